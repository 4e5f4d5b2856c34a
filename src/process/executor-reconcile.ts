import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';

/**
 * A heartbeat lists the builds its executor runs. A build the master holds as running there that
 * the list lacks has ended, and its end never arrived: an executor's messages come in order, so an
 * end sent before the heartbeat would have been applied first. That happens when Redis lost the
 * end (a failover discarding the last writes). It is retried, as for a lost executor.
 */
export async function retryBuildsItNoLongerRuns(store: Store, executor: string, running: number[], log: Logger): Promise<void> {
  const held = (await store.executorBuildIds(executor)).filter((id) => !running.includes(id));
  if (!held.length) return;
  for (const b of await store.getBuilds(held)) {
    if (b.state !== 'running' || b.executor !== executor) continue;
    const done = await store.finishBuild(b.id, null, 'RETRY', `executor ${executor} no longer runs it and its end never arrived`);
    if (done) log.warn({ buildId: b.id, builder: b.builder, number: b.number }, 'a running build its executor no longer runs will be retried');
  }
}
