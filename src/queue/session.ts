import { z } from 'zod';
import { JOB_VERSION } from './jobs.js';
import { sign, verify } from './signing.js';

/**
 * The master's word on which process is an executor: after it accepted a signed `hello`, the
 * master writes this record, signed with that executor's secret, to `<prefix>:exec-session:<name>`.
 * An executor takes jobs only once the record names its own session and verifies under its own
 * secret: a process with a wrong secret (a stale secret file, an old process left running during a
 * rotation) never gets one it can verify, so it takes no job at all. A process whose session was
 * replaced by a newer hello sees another session named here and stops taking jobs.
 */
export const sessionRecordSchema = z.object({
  v: z.literal(JOB_VERSION),
  type: z.literal('session'),
  executor: z.string(),
  session: z.string().min(8),
  hostname: z.string(),
  /** When the master accepted the hello (ms since the epoch, by the master's clock). */
  acceptedAt: z.number().int(),
  /**
   * The master hands this process its jobs on the executor's job list (src/queue/job-list.ts), as
   * its hello asked; absent: on the BullMQ queue (a master of an earlier version, which also leaves
   * the field out).
   */
  jobList: z.boolean().optional(),
});
export type SessionRecord = z.output<typeof sessionRecordSchema>;

/** The Redis key (under the key prefix) of one executor's session record. */
export function sessionKey(prefix: string, executor: string): string {
  return `${prefix}:exec-session:${executor}`;
}

/** The record as stored: JSON of `{payload, sig}`. */
export function signSessionRecord(rec: Omit<SessionRecord, 'v' | 'type'>, secret: string): string {
  const payload: SessionRecord = { v: JOB_VERSION, type: 'session', ...rec };
  return JSON.stringify({ payload, sig: sign(payload, secret) });
}

/**
 * Reads a stored record: null when absent, unsigned, signed under another secret, or not for
 * `executor` (an executor that cannot verify it must not act on it).
 */
export function readSessionRecord(raw: string | null, executor: string, secret: string): SessionRecord | null {
  if (!raw) return null;
  let outer: { payload?: unknown; sig?: unknown };
  try {
    outer = JSON.parse(raw) as typeof outer;
  } catch {
    return null;
  }
  if (!outer || typeof outer !== 'object' || !verify(outer.payload, outer.sig, secret)) return null;
  const parsed = sessionRecordSchema.safeParse(outer.payload);
  if (!parsed.success || parsed.data.executor !== executor) return null;
  return parsed.data;
}
