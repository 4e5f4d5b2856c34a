import type { Store } from '../../src/data/store.js';
import type { Build } from '../../src/model/build.js';
import { changeInputSchema } from '../../src/model/change.js';
import { stepSpecSchema } from '../../src/model/steps.js';

const STEPS = ['compile', 'test'].map((name) => stepSpecSchema.parse({ type: 'shell', name, command: 'true' }));

export interface HistoryOptions {
  /** Log chunks per step. Default 4. */
  chunks?: number;
  /** Test cases per build. Default 3. */
  tests?: number;
}

/**
 * Build history written through the store's real write path (a Change, a BuildSet, a claimed
 * request, an executor's events with logs and test results), without an executor: for the
 * retention tests and the soak benchmark. `finish: false` leaves the build running.
 */
export class HistoryWriter {
  private rev = 0x10000;

  constructor(
    private readonly store: Store,
    private readonly opts: HistoryOptions = {},
  ) {}

  /** `at.revision`: a revision other builders build too (default: a new one); `at.result`: how it ends (default SUCCESS). */
  async build(builder: string, finish = true, at: { revision?: string; result?: 'SUCCESS' | 'FAILURE' } = {}): Promise<Build> {
    const revision = at.revision ?? (this.rev++).toString(16).padStart(8, '0');
    const change = await this.store.addChange(changeInputSchema.parse({ author: 'Brian Warner <warner@example.org>', revision, branch: 'main', files: ['src/a.c'] }));
    const { requests } = await this.store.createBuildSet({
      reason: 'soak', scheduler: 'force', builders: [builder], properties: {}, priority: 0,
      sourcestamp: { repository: '', branch: 'main', revision, project: '', changeIds: [change!.id] },
    });
    const build = (await this.store.claimRequest(requests[0]!.id, 'a', STEPS, {}))!;
    const chunks = this.opts.chunks ?? 4;
    const events = [
      { type: 'build-started' as const },
      ...STEPS.flatMap((s, step) => [
        { type: 'step-started' as const, step, name: s.name! },
        ...Array.from({ length: chunks }, (_, i) => ({ type: 'log' as const, step, stream: 'stdout' as const, text: `${s.name} line ${i} of build ${build.number}: ${'x'.repeat(60)}\n` })),
        ...(s.name === 'test' ? [{ type: 'tests' as const, step, tests: Array.from({ length: this.opts.tests ?? 3 }, (_, i) => ({ suite: 'tap', name: `case ${i}`, outcome: 'pass' as const })) }] : []),
        ...(finish ? [{ type: 'step-finished' as const, step, result: s.name === 'test' ? (at.result ?? 'SUCCESS') : ('SUCCESS' as const) }] : []),
      ]),
      ...(finish ? [{ type: 'build-finished' as const, result: at.result ?? ('SUCCESS' as const) }] : []),
    ];
    return (await this.store.applyBuildEvents(build.id, build.token, events))!;
  }

  /** A BuildSet whose request waits (no executor took it). */
  async pending(builder: string): Promise<{ buildsetId: number; changeId: number }> {
    const revision = (this.rev++).toString(16).padStart(8, '0');
    const change = await this.store.addChange(changeInputSchema.parse({ author: 'Zooko <zooko@example.org>', revision, branch: 'main' }));
    const { buildset } = await this.store.createBuildSet({
      reason: 'soak', scheduler: 'force', builders: [builder], properties: {}, priority: 0,
      sourcestamp: { repository: '', branch: 'main', revision, project: '', changeIds: [change!.id] },
    });
    return { buildsetId: buildset.id, changeId: change!.id };
  }

  /**
   * What the master's schedulers, user matcher and Problem detector would have recorded by now:
   * every change classified and matched, every build handled (they are not running here).
   */
  async handledUpTo(changeId: number, buildId: number): Promise<void> {
    await this.store.schedulers.classified(changeId, []);
    await this.store.users.setCursor(changeId);
    await this.store.problems.setCursor(buildId);
  }
}
