import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { MasterQueues } from '../queue/master-queues.js';

/** How long an executor is told to drop a late job: a dispatched job's lifetime (distributor.ts). */
const LATE_JOB_MS = 10 * 60_000;

/**
 * Tells a build's executor that the build ended before it started (a signed stop): should its job
 * still reach the queue (put there late by a leader that lost the lead, whose add no fence can
 * stop), the executor drops it unrun and says nothing, instead of running steps whose results
 * would be ignored and holding the work tree the build's retry needs.
 */
export async function forbidLateJob(queues: MasterQueues, b: Pick<Build, 'id' | 'token' | 'executor'>, secret: string, log: Logger): Promise<void> {
  const now = Date.now();
  await queues
    .sendStop({ buildId: b.id, token: b.token, executor: b.executor, text: 'ended before it started', issuedAt: now, expiresAt: now + LATE_JOB_MS }, secret)
    .catch((err) => log.warn({ err, buildId: b.id, executor: b.executor }, 'could not tell the executor to drop a late job'));
}

/**
 * Builds a master claimed but never handed to an executor: the leader died (or froze) between
 * writing the build (`dispatched`) and putting its job on the executor's queue. A new leader
 * finds them at once instead of after `startTimeout`: a build dispatched before this leader's
 * term whose job is on no queue, once the executor's event queues are drained (an executor
 * completes a build's job only after its events are queued, so a job that ran and was removed has
 * moved its build past `dispatched` by then), is ended RETRY and its request goes back in line.
 * Returns true once every such build was judged (false: try again on the next watchdog tick).
 */
export async function retryOrphans(store: Store, queues: MasterQueues, termStart: number, log: Logger, secrets: Map<string, string>): Promise<boolean> {
  const orphans = (await store.activeBuilds()).filter((b) => b.state === 'dispatched' && b.dispatchedAt < termStart);
  for (const b of orphans) {
    if (await queues.buildJobQueued(b.executor, b.id)) continue;
    if (await queues.eventsPending(b.executor)) return false;
    const now = await store.getBuild(b.id);
    if (now?.state !== 'dispatched') continue;
    const done = await store.finishBuild(b.id, null, 'RETRY', 'handed to no executor: the master that dispatched it stopped leading first');
    if (!done) continue;
    log.warn({ buildId: b.id, builder: b.builder, number: b.number, executor: b.executor }, 'dispatched build never queued (leader changed); it will be retried');
    // The old leader may yet wake up and put its job on the queue.
    await forbidLateJob(queues, b, secrets.get(b.executor) ?? '', log);
  }
  return true;
}
