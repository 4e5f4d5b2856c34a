import type { Db, Multi } from './db.js';

/**
 * An index of history (ids in a sorted set, oldest first) as retention walks it
 * (src/data/prune.ts). The repository that owns the index makes it: retention reads through it
 * and removes entries through it, and never names the key itself.
 */
export interface HistoryIndex<K = number> {
  count(): Promise<number>;
  /** Entries from the oldest, `offset` on, at most `n`. */
  slice(offset: number, n: number): Promise<K[]>;
  /** Drops entry `id` from the index, inside the pass's transaction. */
  unindex(m: Multi, id: K): void;
}

/** The highest number pruned so far of some history: lets a read tell "pruned" from "never was". */
export interface PrunedMark {
  get(): Promise<number>;
  set(m: Multi, n: number): void;
}

/** A HistoryIndex over sorted set `zkey` whose members are ids. */
export function zsetHistory(db: Db, zkey: string): HistoryIndex {
  return {
    count: () => db.redis.zcard(zkey),
    slice: async (offset, n) => (n > 0 ? (await db.redis.zrange(zkey, offset, offset + n - 1)).map(Number) : []),
    unindex: (m, id) => void m.zrem(zkey, String(id)),
  };
}

/** A PrunedMark in string key `key`, or in field `field` of hash `key`. */
export function prunedMark(db: Db, key: string, field?: string): PrunedMark {
  return {
    get: async () => Number((field === undefined ? await db.redis.get(key) : await db.redis.hget(key, field)) ?? 0),
    set: (m, n) => void (field === undefined ? m.set(key, String(n)) : m.hset(key, field, String(n))),
  };
}
