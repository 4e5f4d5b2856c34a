import type { Store } from '../../src/data/store.js';
import type { Build, TestCaseResult } from '../../src/model/build.js';
import { changeInputSchema } from '../../src/model/change.js';
import type { Result } from '../../src/model/results.js';
import { stepSpecSchema } from '../../src/model/steps.js';

export interface BuildPlan {
  result: Result;
  /** Steps (of compile, test) that end in the build's result; the others succeed. */
  failSteps?: string[];
  /** Failing test names (suite `tap`); passing ones are added beside them. */
  failTests?: string[];
  /** More passing test names. Every name a build of the builder reported before passes too, unless failing: a suite keeps its tests. */
  passTests?: string[];
  authors?: string[];
  text?: string;
}

const STEPS = ['compile', 'test'].map((name) => stepSpecSchema.parse({ type: 'shell', name, command: 'true' }));

/**
 * Builds written through the real store's write path, as the master writes an executor's events,
 * without an executor: for announcer tests that need exact results and tests.
 */
export class StoreBuilds {
  private rev = 0x1000;
  /** Test names each builder has reported. */
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly store: Store) {}

  /** A build dispatched and running; `finish` ends it. */
  async start(builder: string, authors = ['Brian Warner <warner@example.org>']): Promise<{ build: Build; finish(plan: BuildPlan): Promise<Build> }> {
    const revision = (this.rev++).toString(16).padStart(8, '0');
    const changes = [];
    for (const author of authors) changes.push(await this.store.addChange(changeInputSchema.parse({ author, revision, branch: 'main' })));
    const { requests } = await this.store.createBuildSet({
      reason: 'test', scheduler: 'force', builders: [builder], properties: {}, priority: 0,
      sourcestamp: { repository: '', branch: 'main', revision, project: '', changeIds: changes.map((c) => c!.id) },
    });
    const build = (await this.store.claimRequest(requests[0]!.id, 'a', STEPS, {}))!;
    await this.store.applyBuildEvents(build.id, build.token, [{ type: 'build-started' }]);
    return {
      build,
      finish: async (plan) => {
        const seen = this.seen.get(builder) ?? new Set<string>();
        this.seen.set(builder, seen);
        for (const name of plan.passTests ?? []) seen.add(name);
        const failing = new Set(plan.failTests ?? []);
        const tests: TestCaseResult[] = [
          ...[...failing].map((name) => ({ suite: 'tap', name, outcome: 'fail' as const })),
          ...[...seen].filter((name) => !failing.has(name)).map((name) => ({ suite: 'tap', name, outcome: 'pass' as const })),
          { suite: 'tap', name: 'always passes', outcome: 'pass' },
        ];
        for (const name of failing) seen.add(name);
        const done = await this.store.applyBuildEvents(build.id, build.token, [
          ...STEPS.flatMap((s, step) => [
            { type: 'step-started' as const, step, name: s.name! },
            ...(s.name === 'test' ? [{ type: 'tests' as const, step, tests }] : []),
            { type: 'step-finished' as const, step, result: plan.failSteps?.includes(s.name!) ? plan.result : ('SUCCESS' as const) },
          ]),
          { type: 'build-finished', result: plan.result, ...(plan.text ? { text: plan.text } : {}) },
        ]);
        return done!;
      },
    };
  }

  async run(builder: string, plan: BuildPlan): Promise<Build> {
    const { finish } = await this.start(builder, plan.authors);
    return finish(plan);
  }
}
