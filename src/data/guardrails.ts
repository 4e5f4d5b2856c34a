import type { Store } from './store.js';
import { dbOf } from './db.js';

/**
 * Guardrails checked when a master starts (README "State in Redis"): the Redis it is given must
 * keep what bb writes. (Several masters on a prefix: one leads, src/data/lease.ts.)
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
  // INFO and CONFIG GET read; CONFIG is not among the read commands, so the whole connection is asked.
  const redis = dbOf(store).unfenced;
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


/** The master refuses to start: what is wrong with its Redis. */
export class GuardrailError extends Error {
  constructor(readonly refused: Guardrail[]) {
    super(`refusing to start: ${refused.map((r) => r.message).join('; ')}`);
  }
}
