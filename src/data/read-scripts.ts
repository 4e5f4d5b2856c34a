import type { Redis } from 'ioredis';

/** Lua scripts of the repositories' read-only page reads (builds.ts, logs.ts): one round trip each. */

/**
 * For each builder (KEYS: its builds zset), the records of its newest ARGV[2] builds (ARGV[1]: the
 * build key prefix): one round trip for any number of builders, run inside Redis.
 */
export const LATEST_BUILDS_SCRIPT = `
local out = {}
local k = tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  local ids = redis.call('ZREVRANGE', key, 0, k - 1)
  for _, id in ipairs(ids) do
    local rec = redis.call('GET', ARGV[1] .. id)
    if rec then out[#out + 1] = rec end
  end
end
return out`;

/**
 * Chunks ARGV[1].. of a list (KEYS[1]), at most ARGV[2] of them, stopping once ARGV[3] bytes are
 * taken (at least one chunk): read 32 at a time inside Redis, so a run of big chunks is never all
 * sent. The reply's first element is 1 when the list has no more chunks after the ones returned.
 */
export const LOG_BUDGET_SCRIPT = `
local from = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local out = {0}
local bytes = 0
local i = from
while i < from + count do
  local last = math.min(i + 31, from + count - 1)
  local part = redis.call('LRANGE', KEYS[1], i, last)
  for _, v in ipairs(part) do
    if #out > 1 and bytes + #v > budget then return out end
    out[#out + 1] = v
    bytes = bytes + #v
  end
  if #part < last - i + 1 then out[1] = 1 return out end
  i = last + 1
end
if redis.call('LLEN', KEYS[1]) <= from + count then out[1] = 1 end
return out`;

/**
 * What settling a request reads (buildsets.ts settleRequest), in one round trip: the request
 * (KEYS[1]), its BuildSet (KEYS[2]), then the BuildSet's other requests (ARGV[1]: the request key
 * prefix), false where a record is missing.
 */
export const SETTLE_READ_SCRIPT = `
local out = {redis.call('GET', KEYS[1]) or false}
local bs = redis.call('GET', KEYS[2])
out[2] = bs or false
if bs then
  local ok, rec = pcall(cjson.decode, bs)
  if ok and type(rec) == 'table' and type(rec.requestIds) == 'table' then
    for _, id in ipairs(rec.requestIds) do
      local key = ARGV[1] .. string.format('%d', id)
      if key ~= KEYS[1] then out[#out + 1] = redis.call('GET', key) or false end
    end
  end
end
return out`;

/**
 * What claiming a request reads (builds.ts claim), in one round trip: the request (KEYS[1]), its
 * BuildSet (ARGV[1]: the BuildSet key prefix); when the request is pending and its BuildSet there,
 * the new build's id (INCR KEYS[2], the build id counter) and number (INCR of the builder's
 * counter, ARGV[3] .. builder .. ARGV[4]), and the changes of its source stamp (ARGV[2]: the
 * change key prefix). Replies {request, BuildSet, id, number, changes…}, false where a record is
 * missing and for id and number when none were taken (so no build id is ever skipped).
 */
export const CLAIM_READ_SCRIPT = `
local req = redis.call('GET', KEYS[1])
if not req then return {false, false, false, false} end
local ok, rec = pcall(cjson.decode, req)
if not ok or type(rec) ~= 'table' or type(rec.buildsetId) ~= 'number' then return {req, false, false, false} end
local bs = redis.call('GET', ARGV[1] .. string.format('%d', rec.buildsetId))
if not bs or rec.state ~= 'pending' or type(rec.builder) ~= 'string' then return {req, bs or false, false, false} end
local ok2, set = pcall(cjson.decode, bs)
if not ok2 or type(set) ~= 'table' then return {req, bs, false, false} end
local out = {req, bs, redis.call('INCR', KEYS[2]), redis.call('INCR', ARGV[3] .. rec.builder .. ARGV[4])}
if type(set.sourcestamp) == 'table' and type(set.sourcestamp.changeIds) == 'table' then
  for _, id in ipairs(set.sourcestamp.changeIds) do out[#out + 1] = redis.call('GET', ARGV[2] .. string.format('%d', id)) or false end
end
return out`;

/**
 * What a pass of the distributor reads first (builds.ts executorSlots), in one round trip: for each
 * of the first ARGV[1] executors, the size of its builds set (KEYS[2i-1]) and its busy builders
 * (KEYS[2i]); then for each builder's pending line (the remaining KEYS) its head and score (an
 * empty table when the line is empty).
 */
export const SLOTS_READ_SCRIPT = `
local n = tonumber(ARGV[1])
local out = {}
for i = 1, n do
  out[#out + 1] = redis.call('SCARD', KEYS[2 * i - 1])
  out[#out + 1] = redis.call('SMEMBERS', KEYS[2 * i])
end
for i = 2 * n + 1, #KEYS do
  out[#out + 1] = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
end
return out`;

/**
 * Where the Problem detector stands (problems.ts place), in one round trip: its cursor (KEYS[1]),
 * the build ids it handled above it (KEYS[2], a zset), and the highest build id given out
 * (KEYS[3]); false for a missing string.
 */
export const DETECTOR_PLACE_SCRIPT = `
return {redis.call('GET', KEYS[1]) or false, redis.call('ZRANGE', KEYS[2], 0, -1), redis.call('GET', KEYS[3]) or false}`;

const defined = new WeakMap<object, Set<string>>();

/** Runs a read script by its SHA (EVALSHA, loaded on first use) rather than sending its text each time. */
export async function runReadScript(redis: Redis, name: string, lua: string, keys: string[], args: string[]): Promise<unknown> {
  let names = defined.get(redis);
  if (!names) defined.set(redis, (names = new Set()));
  if (!names.has(name)) {
    redis.defineCommand(name, { numberOfKeys: keys.length, lua });
    names.add(name);
  }
  return (redis as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[name]!(...keys, ...args);
}
