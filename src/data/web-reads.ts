import type { Store } from './store.js';
import type { Build } from '../model/build.js';
import { dbOf } from './db.js';

/** Reads the web pages need beyond the Store's own: several builders at once, logs in pages. */

/**
 * For each builder (KEYS: its builds zset), the records of its newest ARGV[2] builds (ARGV[1]: the
 * build key prefix): one round trip for any number of builders, run inside Redis.
 */
const LATEST_SCRIPT = `
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

/** The newest `k` builds of each builder (newest first), in one round trip for any number of builders. */
export async function latestBuildsOf(store: Store, builders: string[], k: number): Promise<Map<string, Build[]>> {
  const out = new Map<string, Build[]>(builders.map((b) => [b, []]));
  if (!builders.length || k < 1) return out;
  const prefix = dbOf(store).keys.build(0).slice(0, -1);
  const raw = (await dbOf(store).redis.eval(LATEST_SCRIPT, builders.length, ...builders.map((b) => dbOf(store).keys.builderBuilds(b)), prefix, String(k))) as string[];
  for (const r of raw) {
    const build = JSON.parse(r) as Build;
    out.get(build.builder)?.push(build);
  }
  return out;
}

/** Builds of a builder newest first, `offset` from the newest, and how many it has in all. */
export async function buildsPage(store: Store, builder: string, offset: number, n: number): Promise<{ builds: Build[]; total: number }> {
  const [ids, total] = await Promise.all([
    dbOf(store).redis.zrevrange(dbOf(store).keys.builderBuilds(builder), offset, offset + n - 1),
    dbOf(store).redis.zcard(dbOf(store).keys.builderBuilds(builder)),
  ]);
  return { builds: await store.getBuilds(ids.map(Number)), total };
}

/** How many chunks one step's log has. */
export async function logChunkCount(store: Store, buildId: number, step: number): Promise<number> {
  return dbOf(store).redis.llen(dbOf(store).keys.log(buildId, step));
}

/** Up to `count` log chunks of one step from index `from`: a page, never the whole log. */
export async function readLogPage(store: Store, buildId: number, step: number, from: number, count: number): Promise<Array<{ stream: string; text: string }>> {
  if (count < 1) return [];
  return (await dbOf(store).redis.lrange(dbOf(store).keys.log(buildId, step), from, from + count - 1)).map(splitChunk);
}

function splitChunk(r: string): { stream: string; text: string } {
  const tab = r.indexOf('\t');
  return { stream: r.slice(0, tab), text: r.slice(tab + 1) };
}

/**
 * Chunks ARGV[1].. of a list (KEYS[1]), at most ARGV[2] of them, stopping once ARGV[3] bytes are
 * taken (at least one chunk): read 32 at a time inside Redis, so a run of big chunks is never all
 * sent. The reply's first element is 1 when the list has no more chunks after the ones returned.
 */
const LOG_BUDGET_SCRIPT = `
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

/** Bytes of log text one read brings into memory at most (beyond its first chunk). */
export const LOG_READ_BYTES = 512 * 1024;

/**
 * Up to `count` log chunks from index `from`, and at most about `maxBytes` of them (a chunk can be
 * 64 KB: 500 such would be 32 MB); `end` says the log has no more chunks after these (for now).
 */
export async function readLogBudget(store: Store, buildId: number, step: number, from: number, count: number, maxBytes = LOG_READ_BYTES): Promise<{ chunks: Array<{ stream: string; text: string }>; end: boolean }> {
  if (count < 1) return { chunks: [], end: false };
  const raw = (await dbOf(store).redis.eval(LOG_BUDGET_SCRIPT, 1, dbOf(store).keys.log(buildId, step), String(from), String(count), String(maxBytes))) as [number, ...string[]];
  return { chunks: raw.slice(1).map((r) => splitChunk(r as string)), end: raw[0] === 1 };
}

/** Milliseconds of one Redis round trip (PING), for /healthz and /metrics. */
export async function redisRoundTrip(store: Store): Promise<number> {
  const t = performance.now();
  await dbOf(store).redis.ping();
  return performance.now() - t;
}
