import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { MasterQueues } from '../queue/master-queues.js';

/**
 * Builds a master claimed but never handed to an executor: the leader died (or froze) between
 * writing the build (`dispatched`) and putting its job on the executor's queue. A new leader
 * finds them at once instead of after `startTimeout`: a build dispatched before this leader's
 * term whose job is on no queue, once the executor's event queues are drained (an executor
 * completes a build's job only after its events are queued, so a job that ran and was removed has
 * moved its build past `dispatched` by then), is ended RETRY and its request goes back in line.
 * Returns true once every such build was judged (false: try again on the next watchdog tick).
 */
export async function retryOrphans(store: Store, queues: MasterQueues, termStart: number, log: Logger): Promise<boolean> {
  const orphans = (await store.activeBuilds()).filter((b) => b.state === 'dispatched' && b.dispatchedAt < termStart);
  for (const b of orphans) {
    if (await queues.buildJobQueued(b.executor, b.id)) continue;
    if (await queues.eventsPending(b.executor)) return false;
    const now = await store.getBuild(b.id);
    if (now?.state !== 'dispatched') continue;
    const done = await store.finishBuild(b.id, null, 'RETRY', 'handed to no executor: the master that dispatched it stopped leading first');
    if (done) log.warn({ buildId: b.id, builder: b.builder, number: b.number, executor: b.executor }, 'dispatched build never queued (leader changed); it will be retried');
  }
  return true;
}
