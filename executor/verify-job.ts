import { buildJobPayloadSchema, signedBuildJobSchema, type BuildJobPayload } from '../src/queue/jobs.js';
import { verify } from '../src/queue/signing.js';

export type JobCheck = { ok: true; payload: BuildJobPayload } | { ok: false; reason: string };

export interface JobCheckOptions {
  secret: string;
  executor: string;
  /** This process's session: a job given to another session (an earlier start) is refused. */
  session: string;
  now: number;
  /** Whether this process already ran (or is running) a build id. */
  alreadyRun(buildId: number): boolean;
}

/**
 * Decide whether a job from the executor's queue may run. The signature is checked on the payload
 * exactly as received, before anything in it is looked at; then the schema, the addressee, the
 * session it was given to (this process, not an earlier start of the same executor), the expiry,
 * and that its build id is new to this process (a re-delivered job is never run twice).
 */
export function checkBuildJob(data: unknown, o: JobCheckOptions): JobCheck {
  const outer = signedBuildJobSchema.safeParse(data);
  if (!outer.success) return { ok: false, reason: 'malformed job: expected {payload, sig}' };
  if (!verify(outer.data.payload, outer.data.sig, o.secret)) return { ok: false, reason: 'bad signature' };
  const parsed = buildJobPayloadSchema.safeParse(outer.data.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `invalid job payload: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'does not parse'}` };
  }
  const p = parsed.data;
  if (p.executor !== o.executor) return { ok: false, reason: `job is for executor ${JSON.stringify(p.executor)}, not ${JSON.stringify(o.executor)}` };
  if (p.session !== o.session) return { ok: false, reason: `job is for session ${p.session} of this executor, not this process (${o.session})` };
  if (o.now > p.expiresAt) return { ok: false, reason: `job expired ${Math.round((o.now - p.expiresAt) / 1000)}s ago` };
  if (o.alreadyRun(p.buildId)) return { ok: false, reason: `build ${p.buildId} was already run by this executor` };
  return { ok: true, payload: p };
}
