import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Keys } from './keys.js';
import type { Store } from './store.js';
import { dbOf } from './db.js';

/**
 * Guardrails checked when a master starts (README "State in Redis"): the Redis it is given must
 * keep what bb writes, and only one master may run on a key prefix.
 */
export interface Guardrail {
  check: 'persistence' | 'eviction' | 'version' | 'master';
  /** `refuse`: the master does not start. */
  level: 'warn' | 'refuse';
  message: string;
}

/**
 * The oldest Redis bb runs on. BullMQ 6 refuses anything before 5.0.0 and recommends 6.2.0 at
 * least; its scripts use `ZADD … GT` (Redis 6.2), and bb's README has always asked for 6.2.
 */
export const MIN_REDIS_VERSION = '6.2.0';

export interface RedisFacts {
  version: string;
  aof: boolean;
  /** RDB save points (`CONFIG GET save`), '' when none; null when CONFIG is not allowed. */
  save: string | null;
  maxmemoryPolicy: string;
  maxmemory: number;
}

export async function redisFacts(store: Store): Promise<RedisFacts> {
  const { redis } = dbOf(store);
  const info = parseInfo(await redis.info());
  let save: string | null = null;
  try {
    const reply = (await redis.config('GET', 'save')) as string[];
    save = reply[1] ?? '';
  } catch {
    save = null; // CONFIG renamed or refused (managed Redis)
  }
  return {
    version: info.get('redis_version') ?? '0.0.0',
    aof: info.get('aof_enabled') === '1',
    save,
    maxmemoryPolicy: info.get('maxmemory_policy') ?? 'noeviction',
    maxmemory: Number(info.get('maxmemory') ?? 0),
  };
}

/** What is wrong with a Redis for bb. `allowEviction`: the config's `redis.allowEviction`. */
export function judgeRedis(f: RedisFacts, allowEviction: boolean): Guardrail[] {
  const out: Guardrail[] = [];
  if (olderThan(f.version, MIN_REDIS_VERSION)) {
    out.push({ check: 'version', level: 'refuse', message: `Redis ${f.version} is older than bb needs (${MIN_REDIS_VERSION} or later: BullMQ 6 and bb's scripts use its commands)` });
  }
  if (f.maxmemoryPolicy !== 'noeviction') {
    const what = `Redis may evict keys (maxmemory-policy ${f.maxmemoryPolicy}): builds, queued jobs and chat state can vanish without a trace`;
    out.push(
      allowEviction
        ? { check: 'eviction', level: 'warn', message: `${what}; started anyway because redis.allowEviction is true` }
        : { check: 'eviction', level: 'refuse', message: `${what}. Set maxmemory-policy noeviction, or allowEviction: true in the config's redis section to accept the loss` },
    );
  }
  if (!f.aof && f.save === '') {
    out.push({ check: 'persistence', level: 'warn', message: 'Redis has no persistence (appendonly no and no RDB save points): a Redis restart loses every build, change and queued job. Set appendonly yes' });
  } else if (!f.aof && f.save === null) {
    out.push({ check: 'persistence', level: 'warn', message: 'Redis has appendonly off, and its RDB save points could not be read (CONFIG GET refused): unless it snapshots, a Redis restart loses everything. Set appendonly yes' });
  }
  return out;
}

function parseInfo(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

function olderThan(version: string, min: string): boolean {
  const a = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const b = min.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/** What the lease key holds. */
export interface LeaseHolder {
  token: string;
  pid: number;
  host: string;
  /** When that master started (epoch ms). */
  started: number;
  /** Its last heartbeat. */
  seen: number;
  prefix: string;
  /** The guardrails that warned when it started (`bb status`, `/healthz`). */
  warnings: Guardrail[];
}

/** Another master holds the prefix. */
export class AnotherMasterError extends Error {
  constructor(
    readonly holder: LeaseHolder,
    ttlSeconds: number,
  ) {
    super(
      `another bb master is running on prefix "${holder.prefix}": host ${holder.host}, pid ${holder.pid}, started ${new Date(holder.started).toISOString()}, ` +
        `last heartbeat ${Math.max(0, Math.round((Date.now() - holder.seen) / 1000))} s ago. Stop it first; if it was killed, its lease lapses within ${ttlSeconds} s`,
    );
  }
}

// Lua, so that a lease is only renewed or dropped by the master holding it.
const RENEW = `local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 2 end
if cjson.decode(v).token == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end
return 0`;
const RELEASE = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const REPLACE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end
return 0`;

/**
 * One master per prefix: a lease key (`db:master`) set with NX and an expiry, renewed by a
 * heartbeat. A master killed with -9 stops renewing, so its lease lapses after `ttlSeconds`; on the
 * same host a dead holder's pid is seen at once and its lease taken over without waiting.
 */
export class MasterLease {
  readonly token = randomBytes(12).toString('hex');
  private holder?: LeaseHolder;
  private timer?: NodeJS.Timeout;

  private readonly redis: Redis;
  private readonly keys: Keys;

  constructor(
    store: Store,
    private readonly opts: { ttlSeconds?: number; everyMs?: number; onLost?: (by: LeaseHolder | null) => void } = {},
  ) {
    this.redis = dbOf(store).redis;
    this.keys = dbOf(store).keys;
  }

  private get ttl(): number {
    return this.opts.ttlSeconds ?? 30;
  }

  /** Take the lease or throw AnotherMasterError. */
  async acquire(warnings: Guardrail[]): Promise<void> {
    const now = Date.now();
    const me: LeaseHolder = { token: this.token, pid: process.pid, host: hostname(), started: now, seen: now, prefix: this.keys.prefix, warnings };
    const raw = JSON.stringify(me);
    if ((await this.redis.set(this.keys.master, raw, 'EX', this.ttl, 'NX')) !== 'OK') {
      const old = await this.redis.get(this.keys.master);
      const other = old ? (JSON.parse(old) as LeaseHolder) : null;
      const taken = other && deadHere(other) ? await this.redis.eval(REPLACE, 1, this.keys.master, old!, raw, this.ttl) : 0;
      if (!taken) {
        if (other) throw new AnotherMasterError(other, this.ttl);
        return this.acquire(warnings); // it lapsed meanwhile
      }
    }
    this.holder = me;
    this.timer = setInterval(() => void this.renew(), this.opts.everyMs ?? 10_000);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (!this.holder) return;
    this.holder = { ...this.holder, seen: Date.now() };
    try {
      const r = await this.redis.eval(RENEW, 1, this.keys.master, this.token, JSON.stringify(this.holder), this.ttl);
      if (r === 0) {
        const v = await this.redis.get(this.keys.master);
        this.opts.onLost?.(v ? (JSON.parse(v) as LeaseHolder) : null);
      }
    } catch {
      // Redis away: the next beat tries again (the lease may lapse meanwhile).
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.holder) return;
    this.holder = undefined;
    await this.redis.eval(RELEASE, 1, this.keys.master, this.token).catch(() => undefined);
  }
}

/** Whether a master holds the lease on `prefix` now: for clients (`bb user`, `bb force`) that only have a connection. */
export async function masterRunning(redis: Pick<Redis, 'exists'>, prefix: string): Promise<boolean> {
  return (await redis.exists(new Keys(prefix).master)) === 1;
}

/** The lease's holder as `bb status` and `/healthz` show it, or null when no master holds it. */
export async function currentMaster(store: Store): Promise<LeaseHolder | null> {
  const { redis, keys } = dbOf(store);
  const raw = await redis.get(keys.master);
  if (!raw) return null;
  const h = JSON.parse(raw) as Partial<LeaseHolder>;
  return { token: '', warnings: [], prefix: keys.prefix, started: h.seen ?? 0, ...h } as LeaseHolder;
}

/**
 * A holder on this host whose process is gone, or one from an earlier process that had our pid
 * (a container restarted after kill -9 often gets the same pid).
 */
function deadHere(h: LeaseHolder): boolean {
  if (h.host !== hostname()) return false;
  if (h.pid === process.pid) return h.started < Date.now() - process.uptime() * 1000 - 1000;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The master refuses to start: what is wrong with its Redis. */
export class GuardrailError extends Error {
  constructor(readonly refused: Guardrail[]) {
    super(`refusing to start: ${refused.map((r) => r.message).join('; ')}`);
  }
}
