import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { BuildEvent } from './executors.js';

/**
 * Applies an executor's build events to the store. Every event carries the build's token; the
 * store ignores events for builds that are finished or whose token is not the current attempt's,
 * so a lost executor's late results change nothing.
 */
export class BuildTracker {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async handle(executor: string, ev: BuildEvent): Promise<void> {
    const s = this.store;
    let applied: unknown;
    switch (ev.type) {
      case 'build-started':
        applied = await s.buildStarted(ev.buildId, ev.token);
        break;
      case 'step-started':
        applied = await s.stepStarted(ev.buildId, ev.token, ev.step, ev.name);
        break;
      case 'log':
        applied = await s.appendLog(ev.buildId, ev.token, ev.step, ev.stream, ev.text);
        break;
      case 'step-finished':
        applied = await s.stepFinished(ev.buildId, ev.token, ev.step, ev.result, ev.text);
        break;
      case 'properties':
        applied = await s.setBuildProperties(ev.buildId, ev.token, ev.properties);
        break;
      case 'tests':
        applied = await s.storeTests(ev.buildId, ev.token, ev.tests);
        break;
      case 'build-finished': {
        const b = await s.finishBuild(ev.buildId, ev.token, ev.result, ev.text);
        applied = b;
        if (b) this.log.info({ buildId: b.id, builder: b.builder, number: b.number, result: b.result, executor }, 'build finished');
        break;
      }
    }
    if (!applied) this.log.debug({ executor, buildId: ev.buildId, type: ev.type }, 'stale build event ignored');
  }
}
