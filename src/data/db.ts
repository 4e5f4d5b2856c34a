import type { ChainableCommander, Redis } from 'ioredis';
import { scanTargets } from './redis-conn.js';
import { KeyedMutex } from '../util/mutex.js';
import { DataBus } from './events.js';
import { Keys } from './keys.js';
import { fencedEval, fencedMulti, type Fence } from './fence.js';
import { runReadScript } from './read-scripts.js';

const handles = new WeakMap<object, Db>();

/** Make `db` reachable from its owner (the Store) for the two src/data modules that are not repositories: lease.ts, guardrails.ts. */
export function attachDb(owner: object, db: Db): void {
  handles.set(owner, db);
}

/**
 * The Db behind a Store, for the leader lease (lease.ts) and the Redis guardrails (guardrails.ts)
 * alone: every other key is read and written through its repository. Only src/data may import
 * this module (.dependency-cruiser.cjs).
 */
export function dbOf(owner: object): Db {
  const db = handles.get(owner);
  if (!db) throw new Error('no Db attached to this object');
  return db;
}

/** A Redis transaction or pipeline being built (repositories add their writes to a caller's MULTI). */
export type Multi = ChainableCommander;

/**
 * The commands a repository may send on the connection itself: reads only (and WAIT, PING). A
 * write goes through `write()`/`multi()` (fenced while leader election runs) or, for the few
 * writes any master may do, through `unfenced` (README "Running several masters";
 * test/unit/fenced-writes.test.ts holds that).
 */
export type ReadRedis = Pick<
  Redis,
  | 'get' | 'mget' | 'exists' | 'type' | 'ttl' | 'pttl'
  | 'lrange' | 'llen' | 'lindex'
  | 'hget' | 'hmget' | 'hgetall' | 'hexists' | 'hkeys' | 'hvals' | 'hlen'
  | 'smembers' | 'sismember' | 'scard'
  | 'zrange' | 'zrevrange' | 'zrangebyscore' | 'zrevrangebyscore' | 'zcard' | 'zscore' | 'zrank' | 'zrevrank' | 'zcount'
  | 'xrange' | 'xrevrange' | 'xlen'
  | 'scan' | 'wait' | 'ping' | 'info' | 'status' | 'options'
>;

/**
 * The one handle repositories share: the Redis connection, the key names, the event bus, the
 * per-record locks and the clock. Only src/data uses it; everything else goes through the
 * repositories on `Store` (the layering check in test/unit/layering.test.ts holds that).
 */
export class Db {
  readonly keys: Keys;
  readonly bus = new DataBus();
  /** Read-modify-write of one record is serialised per record inside the process; bb runs one master. */
  readonly lock = new KeyedMutex();

  /** The connection for reads (typed to the read commands: writes go through the fence). */
  readonly redis: ReadRedis;

  constructor(
    /**
     * The whole connection, for the writes any master may do without leading, and only those:
     * change intake (changes.ts), the lease and the masters' heartbeats (lease.ts), `bb reconfig`
     * answers (reconfig.ts). Every other write is leader-only and goes through `write()`/`multi()`.
     */
    readonly unfenced: Redis,
    prefix: string,
    readonly now: () => number = Date.now,
  ) {
    this.redis = unfenced;
    this.keys = new Keys(prefix);
  }

  /**
   * Calls `f` whenever the connection closes: what this process remembers having written may not
   * be Redis' any more once it is back (a failover or a restart of Redis can lose the last writes).
   */
  onConnectionClosed(f: () => void): void {
    const conn = this.unfenced as unknown as { on?: (event: string, f: () => void) => unknown };
    if (typeof conn.on === 'function') conn.on('close', f);
  }

  /**
   * Set while this process takes part in leader election (src/data/lease.ts): `multi()` then
   * writes only while this master holds the lease (fence.ts).
   */
  fence: Fence | null = null;

  /**
   * A transaction. With a fence attached (a master in leader election) it is fenced: it writes
   * only while the lease holds this master's token, else `exec()` rejects with NotLeaderError.
   * Writes any master may do (change intake) use `redis.multi()` directly.
   */
  multi(): Multi {
    return this.fence ? fencedMulti(this.unfenced, this.fence) : this.unfenced.multi();
  }

  /** One write through `multi()` (fenced when a fence is attached); resolves to its reply. */
  async write(queue: (m: Multi) => unknown): Promise<unknown> {
    const m = this.multi();
    queue(m);
    const res = (await m.exec()) ?? [];
    const [err, reply] = res[0] ?? [null, null];
    if (err) throw err;
    return reply;
  }

  /**
   * Several reads in one round trip, as one MULTI (a consistent snapshot). Only read commands may be
   * queued on it (test/unit/fenced-writes.test.ts).
   */
  reads(): Multi {
    return this.unfenced.multi();
  }

  /**
   * A read-only script of read-scripts.ts (test/unit/fenced-writes.test.ts holds that they call no
   * write command). With `name`, defined once on the connection and sent by its digest (a fixed
   * number of keys); without, sent whole.
   */
  readScript(script: string, keys: string[], args: Array<string | number>, name?: string): Promise<unknown> {
    if (name) return runReadScript(this.unfenced, name, script, keys, args.map(String));
    return this.unfenced.eval(script, keys.length, ...keys, ...args.map(String));
  }

  /**
   * A Lua script that writes: leader-only, fenced like `multi()` when a fence is attached. With
   * `name`, defined once on the connection and sent by its digest (a fixed number of keys).
   */
  script(lua: string, keys: string[], args: Array<string | number>, name?: string): Promise<unknown> {
    if (this.fence) return fencedEval(this.unfenced, this.fence, lua, keys, args, name);
    if (name) return runReadScript(this.unfenced, name, lua, keys, args.map(String));
    return this.unfenced.eval(lua, keys.length, ...keys, ...args.map(String));
  }

  async getJson<T>(key: string): Promise<T | null> {
    const raw = await this.redis.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  }

  /** The records stored at `keys`, in order, leaving out missing ones. */
  async getJsonMany<T>(keys: string[]): Promise<T[]> {
    if (!keys.length) return [];
    const raw = await this.redis.mget(keys);
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as T);
  }

  /** Every key matching `pattern` (SCAN, in slices), for the rare whole-keyspace walks. */
  async scanKeys(pattern: string): Promise<string[]> {
    const out: string[] = [];
    // On a Cluster, SCAN reaches one node: ask every primary (the installation's keys are on one).
    for (const node of scanTargets(this.unfenced)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        out.push(...keys);
      } while (cursor !== '0');
    }
    return out;
  }
}
