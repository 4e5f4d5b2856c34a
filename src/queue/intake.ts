import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isPlainRedisUrl, respCommands } from './resp.js';
import { changeInputSchema, type ChangeFields, type ChangeInput } from '../model/change.js';
import { InputError } from './input-error.js';
import { isClusterUrl } from '../model/redis-target.js';

/**
 * The change intake: a plain Redis list that `bb sendchange` (and every BbClient) appends a change
 * to, and the master drains. It needs no BullMQ on the sending side, so `bb sendchange` loads only
 * ioredis and the change schema. A change is acknowledged once Redis has it on the list; whether
 * a master runs or not, it stays there until a master has stored it:
 *
 *   <prefix>:intake:changes          waiting, oldest at the left (RPUSH by senders)
 *   <prefix>:intake:changes:taking   what the master has taken and not yet stored (BLMOVE); the
 *                                    master that starts next stores it first
 *   <prefix>:intake:changes:failed   the last 1,000 entries that did not parse (never stored)
 *
 * Each entry is `{"v":1,"id":"<uuid>","change":{…}}` (jobs.ts, with its many schemas, stays unloaded); the master stores the change under the key
 * `intake|<id>`, so an entry taken twice (a master that died after storing and before letting go)
 * is stored once.
 */
/** The entry format's version (the change itself is checked with the change schema). */
export const INTAKE_VERSION = 1 as const;

export function intakeKeys(prefix: string): { list: string; taking: string; failed: string } {
  const list = `${prefix}:intake:changes`;
  return { list, taking: `${list}:taking`, failed: `${list}:failed` };
}

/** Validates changes as the master will, so a sender hears of a bad one at once. */
export function checkChange(input: ChangeInput): ChangeFields {
  const parsed = changeInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'change'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** Appends changes to the intake in one round trip, in order; returns their intake ids. */
export async function sendToIntake(conn: Redis, prefix: string, inputs: ChangeInput[]): Promise<string[]> {
  const entries = inputs.map((input) => ({ v: INTAKE_VERSION, id: randomUUID(), change: checkChange(input) }));
  if (entries.length) await conn.rpush(intakeKeys(prefix).list, ...entries.map((e) => JSON.stringify(e)));
  return entries.map((e) => e.id);
}

/**
 * `bb sendchange`: checks the change, opens a connection, appends it and closes. Resolves with the
 * intake id once Redis has the entry (the acknowledgement); a Redis that cannot be reached
 * rejects, and then nothing was queued. One server (`redis://`, `rediss://`) is written to
 * without ioredis (resp.ts), which keeps `bb sendchange` quick.
 */
export async function sendChangeOnce(url: string, prefix: string, input: ChangeInput, replicas = 0): Promise<string> {
  const entry = { v: INTAKE_VERSION, id: randomUUID(), change: checkChange(input) };
  if (isPlainRedisUrl(url)) {
    const wait = replicas > 0 ? [['WAIT', String(replicas), String(REPLICA_WAIT_MS)]] : [];
    const replies = await respCommands(url, [['RPUSH', intakeKeys(prefix).list, JSON.stringify(entry)], ...wait], REPLICA_WAIT_MS + 10_000);
    if (replicas > 0) replicatedOrThrow(Number(replies[1]), replicas, entry.id);
    return entry.id;
  }
  // Sentinel or Cluster: ioredis finds the server to write to.
  if (replicas > 0 && isClusterUrl(url)) throw new InputError('--wait-replicas is not supported on a Redis Cluster (WAIT must reach the node that took the write)');
  const { newRedis } = await import('../data/redis-conn.js');
  const conn = newRedis(url, { maxRetriesPerRequest: 3 });
  try {
    await conn.rpush(intakeKeys(prefix).list, JSON.stringify(entry));
    if (replicas > 0) replicatedOrThrow(await conn.wait(replicas, REPLICA_WAIT_MS), replicas, entry.id);
    return entry.id;
  } finally {
    conn.disconnect();
  }
}

/** How long `--wait-replicas` waits for the replicas' confirmation. */
export const REPLICA_WAIT_MS = 5000;

/**
 * Redis replicates asynchronously: a primary that fails over right after acknowledging a write
 * can lose it (README "Redis Sentinel"). WAIT returns once `replicas` replicas have everything this
 * connection wrote; fewer in time is an error, so the sender knows the change is not safe yet.
 */
function replicatedOrThrow(got: number, replicas: number, id: string): void {
  if (got < replicas) {
    throw new InputError(`the change is queued (${id}) but ${got} of ${replicas} replicas confirmed it within ${REPLICA_WAIT_MS / 1000} s: a failover now could lose it. Check for it (bb status) before sending it again`);
  }
}

/** One change taken from the intake, parsed. */
export interface IntakeItem {
  id: string;
  change: ChangeFields;
}

/** An intake entry, or null when it is not one (never stored; kept in the failed list). */
export function parseEntry(raw: string): IntakeItem | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { v: version, id, change } = v as { v?: unknown; id?: unknown; change?: unknown };
  if (version !== INTAKE_VERSION || typeof id !== 'string' || !id || id.length > 100) return null;
  const parsed = changeInputSchema.safeParse(change);
  return parsed.success ? { id, change: parsed.data } : null;
}
