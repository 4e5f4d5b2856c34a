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

/** What a console cell needs of a build. */
export interface BuildCell {
  builder: string;
  number: number;
  /** The revision it tested (`got_revision`, else its source stamp's), '' for the branch head. */
  revision: string;
  /** Its result, or its state while it has none. */
  word: string;
  dispatchedAt: number;
}

const CELLS_SCRIPT = `
local out = {}
local k = tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  local ids = redis.call('ZREVRANGE', key, 0, k - 1)
  for _, id in ipairs(ids) do
    local cell = redis.call('GET', ARGV[2] .. id)
    if cell then
      out[#out + 1] = i .. '\t' .. cell
    else
      -- A build written before cells were kept: its record, decoded here.
      local rec = redis.call('GET', ARGV[1] .. id)
      if rec then
        local b = cjson.decode(rec)
        local rev = type(b.sourcestamp) == 'table' and b.sourcestamp.revision or ''
        local got = type(b.properties) == 'table' and b.properties.got_revision or nil
        if type(got) == 'string' and got ~= '' then rev = got end
        if type(rev) ~= 'string' then rev = '' end
        local word = type(b.result) == 'string' and b.result or b.state
        out[#out + 1] = i .. '\t' .. string.format('%d', b.number) .. '\t' .. tostring(word) .. '\t' .. string.format('%d', tonumber(b.dispatchedAt) or 0) .. '\t' .. rev
      end
    end
  end
end
return out`;

/**
 * The newest `k` builds of each builder (newest first) as console cells, in one round trip: the
 * short cell strings written with each build (`db:cell:<id>`), not whole builds, for a console of
 * 1,000 builders × 8 revisions; a build stored before cells were kept is read whole.
 */
export async function latestCellsOf(store: Store, builders: string[], k: number): Promise<Map<string, BuildCell[]>> {
  const out = new Map<string, BuildCell[]>(builders.map((b) => [b, []]));
  if (!builders.length || k < 1) return out;
  const keys = dbOf(store).keys;
  const raw = (await dbOf(store).redis.eval(CELLS_SCRIPT, builders.length, ...builders.map((b) => keys.builderBuilds(b)), keys.build(0).slice(0, -1), keys.buildCell(0).slice(0, -1), String(k))) as string[];
  for (const r of raw) {
    const [i, number, word, at, ...rev] = r.split('\t');
    const builder = builders[Number(i) - 1]!;
    out.get(builder)?.push({ builder, number: Number(number), word: word!, dispatchedAt: Number(at), revision: rev.join('\t') });
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
  const raw = await dbOf(store).redis.lrange(dbOf(store).keys.log(buildId, step), from, from + count - 1);
  return raw.map((r) => {
    const tab = r.indexOf('\t');
    return { stream: r.slice(0, tab), text: r.slice(tab + 1) };
  });
}

/** Milliseconds of one Redis round trip (PING), for /healthz and /metrics. */
export async function redisRoundTrip(store: Store): Promise<number> {
  const t = performance.now();
  await dbOf(store).redis.ping();
  return performance.now() - t;
}
