import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { RideAlong } from '../data/store.js';
import type { BuildEvent } from '../queue/jobs.js';

/**
 * Applies an executor's build events to the store: consecutive events for the same build (one
 * message usually carries a whole fast build) become one read-modify-write. The store ignores
 * events whose token is not the build's current attempt, so a lost executor's late results change
 * nothing.
 */
export class BuildTracker {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  /** `also`: a write for the last build's transaction (it says whether it was written). */
  async handle(executor: string, events: BuildEvent[], also?: RideAlong): Promise<void> {
    // Events of several builds (one build's end and the next one's start, most often): their records in one round trip.
    const ids = [...new Set(events.map((e) => e.buildId))];
    const pre = ids.length > 1 ? await this.store.prefetchBuilds(ids) : undefined;
    let i = 0;
    while (i < events.length) {
      const first = events[i]!;
      let j = i + 1;
      while (j < events.length && events[j]!.buildId === first.buildId && events[j]!.token === first.token) j++;
      const group = events.slice(i, j).map(({ buildId: _b, token: _t, ...rest }) => rest);
      i = j;
      const build = await this.store.applyBuildEvents(first.buildId, first.token, group, j === events.length ? also : undefined, pre);
      if (!build) {
        this.log.debug({ executor, buildId: first.buildId, events: group.length }, 'stale build events ignored');
      } else if (build.state === 'finished') {
        this.log.info({ buildId: build.id, builder: build.builder, number: build.number, result: build.result, executor }, 'build finished');
      }
    }
  }
}
