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
