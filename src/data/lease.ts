import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Db } from './db.js';
import { dbOf } from './db.js';
import { Fence } from './fence.js';
import type { Guardrail } from './guardrails.js';
import type { Store } from './store.js';
import { Keys } from './keys.js';

/** What `db:master` holds while a master leads (`bb status`, `/healthz`). */
export interface LeaseHolder {
  /** Fencing token: one more than the previous leader's. */
  token: string;
  pid: number;
  host: string;
  /** When that master process started (epoch ms). */
  started: number;
  /** When it took the lead. */
  since: number;
  /** Its last renewal. */
  seen: number;
  prefix: string;
  /** The guardrails that warned when it started. */
  warnings: Guardrail[];
}

/** Lease timing: a standby takes over at most `ttlMs + pollMs` after the leader's last renewal. */
export interface LeaseTiming {
  ttlMs: number;
  renewMs: number;
  pollMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = { ttlMs: 6000, renewMs: 2000, pollMs: 1000 };

// KEYS: leader, master, seq. ARGV: holder JSON without its token (an object), ttl ms, the token of
// a holder known dead ('' when none). Takes the lease when free (or held by that dead token) with
// the next token; else returns the holder's token.
const ACQUIRE = `local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[3] then return {0, cur} end
local t = tostring(redis.call('INCR', KEYS[3]))
redis.call('SET', KEYS[1], t, 'PX', ARGV[2])
redis.call('SET', KEYS[2], '{"token":"' .. t .. '",' .. string.sub(ARGV[1], 2), 'PX', ARGV[2])
return {1, t}`;

// KEYS: leader, master, seq. ARGV: token, holder JSON, ttl ms. Renews while no other master took
// the lease since this token was granted (the counter still at it), even if it lapsed meanwhile
// (a stall longer than the TTL with no standby waiting).
const RENEW = `if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`;

const RELEASE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

/**
 * The leader lease of one key prefix (README "Running several masters"): `db:leader` holds the
 * leading master's fencing token, taken with a new token from `db:leader:seq` (INCR) when free, and
 * renewed by its holder before it expires. Attaching the lease to a store attaches its Fence, so
 * every leader-only write of that store checks in Redis that its token is still the newest one
 * granted (`db:leader:seq`): once a standby took the lease, the old leader writes nothing
 * (src/data/fence.ts).
 */
export class LeaderLease {
  readonly fence: Fence;
  private readonly db: Db;
  private holder?: LeaseHolder;
  private readonly started = Date.now() - Math.round(process.uptime() * 1000);

  constructor(
    store: Store,
    /** Replaced by a reload of the config (`leader`): the next renewal or poll uses the new one. */
    public timing: LeaseTiming = DEFAULT_LEASE,
    private readonly warnings: Guardrail[] = [],
  ) {
    this.db = dbOf(store);
    // The fence compares with the token counter: the newest token granted. Only a master that took
    // the lease since moves it, so a leader whose lease merely lapsed (nobody took it) still writes.
    this.fence = new Fence(this.db.keys.leaderSeq);
    this.db.fence = this.fence;
  }

  /** The lease and heartbeats are any master's to write (that is how one becomes the leader). */
  private get redis(): Redis {
    return this.db.unfenced;
  }

  /** The token while this master leads, else null. */
  get token(): string | null {
    return this.fence.token;
  }

  /** What this master wrote as the holder while it leads. */
  get held(): LeaseHolder | undefined {
    return this.holder;
  }

  /**
   * Take the lease if nobody holds it (or its holder is a dead process on this host). Returns the
   * holder's token when another master leads.
   */
  async tryAcquire(): Promise<{ acquired: true; token: string } | { acquired: false; holder: string }> {
    const { keys } = this.db;
    const now = Date.now();
    const body = { pid: process.pid, host: hostname(), started: this.started, since: now, seen: now, prefix: keys.prefix, warnings: this.warnings };
    const dead = await this.deadHolderToken();
    const [ok, token] = (await this.redis.eval(ACQUIRE, 3, keys.leader, keys.master, keys.leaderSeq, JSON.stringify(body), this.timing.ttlMs, dead)) as [number, string];
    if (!ok) return { acquired: false, holder: token };
    this.holder = { token, ...body };
    this.fence.token = token;
    return { acquired: true, token };
  }

  /** Renew; false when the lease is no longer ours (then this master no longer leads: the fence is cleared). */
  async renew(): Promise<boolean> {
    const h = this.holder;
    if (!h) return false;
    const next = { ...h, seen: Date.now() };
    const r = await this.redis.eval(RENEW, 3, this.db.keys.leader, this.db.keys.master, this.db.keys.leaderSeq, h.token, JSON.stringify(next), this.timing.ttlMs);
    // Answered after this master stood down (a renewal stuck behind a cut link): it speaks for an old term.
    if (this.holder !== h) return false;
    if (r === 1) {
      this.holder = next;
      return true;
    }
    this.drop();
    return false;
  }

  /** Forget the lease here, at once: leader-only writes are refused from now on. */
  drop(): void {
    this.holder = undefined;
    this.fence.token = null;
  }

  /** Give the lease up (a clean stop): a standby takes over on its next poll instead of after the TTL. */
  async release(): Promise<void> {
    const token = this.holder?.token;
    this.drop();
    if (token) await this.redis.eval(RELEASE, 2, this.db.keys.leader, this.db.keys.master, token).catch(() => undefined);
  }

  /** This master's heartbeat in `db:masters` (any role), for `bb status` to list standbys. */
  async heartbeat(role: 'leader' | 'standby'): Promise<void> {
    const everyMs = role === 'leader' ? this.timing.renewMs : this.timing.pollMs;
    const me: MasterBeat = { host: hostname(), pid: process.pid, started: this.started, seen: Date.now(), role, everyMs, ttlMs: this.timing.ttlMs };
    await this.redis.hset(this.db.keys.masters, `${me.host}:${me.pid}`, JSON.stringify(me));
  }

  /** Drops this master's heartbeat (a clean stop). */
  async forget(): Promise<void> {
    await this.redis.hdel(this.db.keys.masters, `${hostname()}:${process.pid}`).catch(() => 0);
  }

  /** The token of a holder that is a dead process on this host (kill -9), or ''. */
  private async deadHolderToken(): Promise<string> {
    const raw = await this.redis.get(this.db.keys.master);
    if (!raw) return '';
    const h = JSON.parse(raw) as LeaseHolder;
    return deadHere(h, this.started) ? h.token : '';
  }
}

/** The current leader as `bb status` and `/healthz` show it, or null when none leads. */
export async function currentLeader(store: Store): Promise<LeaseHolder | null> {
  const { redis, keys } = dbOf(store);
  const raw = await redis.get(keys.master);
  if (!raw) return null;
  const h = JSON.parse(raw) as Partial<LeaseHolder>;
  return { token: '', warnings: [], prefix: keys.prefix, started: h.seen ?? 0, since: h.started ?? h.seen ?? 0, seen: 0, pid: 0, host: '', ...h };
}

/**
 * Whether a master runs on `prefix` now, for clients (`bb user`, `bb force`) that only have a
 * connection: one holds the leader lease, or one was heard from within three of its lease TTLs
 * (18 s by default: a standby about to take over, or a leader whose lease lapsed in a stall and is
 * being renewed).
 */
export async function masterRunning(redis: Pick<Redis, 'exists' | 'hvals'>, prefix: string): Promise<boolean> {
  const keys = new Keys(prefix);
  if ((await redis.exists(keys.leader)) === 1) return true;
  const now = Date.now();
  return (await redis.hvals(keys.masters)).some((raw) => {
    try {
      const beat = JSON.parse(raw) as MasterBeat;
      return now - beat.seen <= beatWindow(beat);
    } catch {
      return false;
    }
  });
}

/** A master's heartbeat in `db:masters`. */
export interface MasterBeat {
  host: string;
  pid: number;
  started: number;
  seen: number;
  role: 'leader' | 'standby';
  /** How often it writes its heartbeat (its renewal or poll interval); missing from older masters. */
  everyMs?: number;
  /** Its lease TTL (config `leader.lease`); missing from older masters. */
  ttlMs?: number;
}

/** How long a master's heartbeat counts as recent: three of its lease TTLs. */
function beatWindow(b: Pick<MasterBeat, 'ttlMs'>): number {
  return 3 * (b.ttlMs ?? DEFAULT_LEASE.ttlMs);
}

/**
 * Whether a master whose last heartbeat is `b` has stopped: it has been silent for three
 * heartbeats and a whole lease TTL (a master busy starting its leader parts, or a reload, misses a
 * beat or two), or it ran on this host and its process is gone.
 */
export function beatGone(b: MasterBeat, now = Date.now()): boolean {
  if (now - b.seen > Math.max(3 * (b.everyMs ?? DEFAULT_LEASE.renewMs), b.ttlMs ?? DEFAULT_LEASE.ttlMs)) return true;
  if (b.host !== hostname()) return false;
  try {
    process.kill(b.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Masters heard from lately (by their last heartbeat: within `withinMs`, or by default within
 * three of that master's lease TTLs), oldest start first; long-stale entries are dropped.
 */
export async function liveMasters(store: Store, withinMs?: number): Promise<MasterBeat[]> {
  const { redis, keys } = dbOf(store);
  const all = Object.entries(await redis.hgetall(keys.masters)).map(([field, raw]) => ({ field, beat: JSON.parse(raw) as MasterBeat }));
  const now = Date.now();
  const within = (b: MasterBeat) => withinMs ?? beatWindow(b);
  const stale = all.filter((x) => now - x.beat.seen > Math.max(within(x.beat), 60_000) * 10).map((x) => x.field);
  if (stale.length) await dbOf(store).unfenced.hdel(keys.masters, ...stale).catch(() => 0);
  return all
    .map((x) => x.beat)
    .filter((x) => now - x.seen <= within(x))
    .sort((x, y) => x.started - y.started);
}

/**
 * A holder on this host whose process is gone, or an earlier process that had our pid (a
 * container restarted after kill -9 often gets the same pid).
 */
function deadHere(h: LeaseHolder, myStart: number): boolean {
  if (h.host !== hostname()) return false;
  if (h.pid === process.pid) return h.started < myStart - 1000;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
