import { z } from 'zod';
import type { Store } from '../data/store.js';
import type { MasterQueues } from '../queue/master-queues.js';
import type { Build } from '../model/build.js';
import { ActionError } from '../actions/error.js';

export const stopRequestSchema = z.object({
  v: z.literal(1),
  type: z.literal('stop'),
  builder: z.string(),
  /** Default: the builder's running build, when there is exactly one. */
  number: z.number().int().positive().optional(),
  reason: z.string().max(300, 'at most 300 characters').optional(),
  /** Who asked. */
  owner: z.string().max(200),
});
export type StopRequest = z.input<typeof stopRequestSchema>;

export class StopError extends ActionError {}

const STOP_TTL_MS = 5 * 60_000;

/**
 * Stop one build, and only that one. A build not yet started ends CANCELLED at once and its job is
 * withdrawn from its executor's queue (or, if the executor took it meanwhile, the executor is told
 * to stop); a running one is stopped by its executor (a signed message), which kills its
 * processes and reports it CANCELLED. Its request completes: a stopped build is not retried.
 */
export async function stopBuild(
  store: Store,
  queues: MasterQueues,
  secrets: Map<string, string>,
  input: unknown,
): Promise<{ build: Build; how: 'withdrawn' | 'stopping' }> {
  const parsed = stopRequestSchema.safeParse(input);
  if (!parsed.success) throw new StopError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const req = parsed.data;
  const summary = await store.configSummary();
  if (summary && !summary.builders.some((b) => b.name === req.builder)) {
    throw new StopError(`unknown builder "${req.builder}" (known: ${summary.builders.map((b) => b.name).join(', ')})`);
  }
  let build: Build | null;
  if (req.number !== undefined) {
    build = await store.buildByNumber(req.builder, req.number);
    if (!build) throw new StopError(`${req.builder} has no build #${req.number}`);
  } else {
    const active = (await store.activeBuilds()).filter((b) => b.builder === req.builder);
    if (!active.length) throw new StopError(`${req.builder} has no running build`);
    if (active.length > 1) throw new StopError(`${req.builder} has ${active.length} running builds (${active.map((b) => `#${b.number}`).join(', ')}): say which`);
    build = active[0]!;
  }
  if (build.state === 'finished') throw new StopError(`${req.builder} #${build.number} already finished (${build.result})`);
  const text = `stopped by ${req.owner}${req.reason ? `: ${req.reason}` : ''}`;
  let ended: Build | null = null;
  if (build.state === 'dispatched' && (await queues.buildJobWaiting(build.executor, build.id))) {
    // Its job still waits: the build ends first (a fenced write) and the job is withdrawn after, so
    // a leader that lost the lead is refused here and takes nothing off the queue. The other order
    // let a paused old leader withdraw the job and then be refused the CANCELLED, leaving the new
    // leader a dispatched build with no job, which it ended RETRY and built again.
    ended = await store.finishBuild(build.id, build.token, 'CANCELLED', text);
    if (ended && (await queues.withdraw(build.executor, build.id))) return { build: ended, how: 'withdrawn' };
    // The executor took the job in between: it is told to stop (its results are ignored: the build ended).
  }
  // An executor that has the job (a running build, or one whose start the master has not read yet)
  // stops it and reports it CANCELLED, with its steps.
  const now = Date.now();
  await queues.sendStop(
    { buildId: build.id, token: build.token, executor: build.executor, text, issuedAt: now, expiresAt: now + STOP_TTL_MS },
    secrets.get(build.executor) ?? '',
  );
  return { build: ended ?? build, how: 'stopping' };
}
