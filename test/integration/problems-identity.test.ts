import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { stepSpecSchema } from '../../src/model/steps.js';
import { changeInputSchema } from '../../src/model/change.js';
import type { Build, TestCaseResult } from '../../src/model/build.js';
import type { Result } from '../../src/model/results.js';
import { createLogger } from '../../src/log.js';
import { ProblemDetector } from '../../src/problems/detector.js';
import { startAnnouncer } from '../../src/notify/announcer.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';

const REPO_A = '/srv/git/sample.git';
const REPO_B = '/srv/git/sample-fork.git';

interface Run {
  tests?: Record<string, 'pass' | 'fail'>;
  repository?: string;
  builder?: string;
  /** A revision picked by hand (force --revision). */
  pinned?: boolean;
  /** Authors of the build's change; none: a build without changes. */
  author?: string | null;
  revision?: string;
  /** End the checkout step as EXCEPTION with this text instead of running tests. */
  checkoutException?: string;
}

/**
 * Problems on the real store and Redis without executors: builds are written as the master writes
 * an executor's events, so each case controls exactly which repository, revision and tests a
 * build had.
 */
describe('what a Problem is about, and when one opens', () => {
  let url: string;
  let prefix: string;
  let redis: Redis;
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    redis?.disconnect();
    await deletePrefix(url, prefix);
  });

  async function setup() {
    url = (await testRedis()).url;
    prefix = freshPrefix('problemident');
    redis = new Redis(url);
    const store = new Store(redis, prefix);
    const config = masterConfigSchema.parse({
      redis: { prefix },
      executors: [{ name: 'a', secret: 'x'.repeat(16) }],
      builders: ['linux', 'mac'].map((name) => ({ name, executors: ['a'], steps: [{ type: 'shell', command: 'true' }] })),
      chat: { announce: [{ target: 'shell:#ops', events: ['problem', 'finished'] }] },
      problems: { confirm: false, sheriff: ['zooko'] },
      tiers: { owners: { linux: ['meejah'] } },
    });
    const log = createLogger('test', { level: 'silent' });
    const outbox = new RecordingOutbox();
    const announcer = startAnnouncer({ store, config, outbox, log });
    const detector = new ProblemDetector(store, config, log);
    detector.start();
    stops.push(async () => {
      await detector.stop();
      await announcer.stop();
    });
    const steps = ['checkout', 'test'].map((name) => stepSpecSchema.parse({ type: 'shell', name, command: 'true' }));
    let rev = 0x1000;
    const run = async (r: Run): Promise<Build> => {
      const revision = r.revision ?? (rev++).toString(16).padStart(8, '0');
      const author = r.author === undefined ? 'Brian Warner <warner@example.org>' : r.author;
      const change = author ? await store.addChange(changeInputSchema.parse({ author, revision, branch: 'main', repository: r.repository ?? REPO_A })) : null;
      const { requests } = await store.createBuildSet({
        reason: 'test', scheduler: r.pinned ? 'force' : 'trunk', builders: [r.builder ?? 'linux'], properties: {}, priority: 0,
        sourcestamp: { repository: r.repository ?? REPO_A, branch: 'main', revision, project: '', changeIds: change ? [change.id] : [], ...(r.pinned ? { pinned: true } : {}) },
      });
      const b = (await store.claimRequest(requests[0]!.id, 'a', steps, {}))!;
      await store.applyBuildEvents(b.id, b.token, [{ type: 'build-started' }, { type: 'properties', properties: { got_revision: revision } }]);
      if (r.checkoutException) {
        await store.applyBuildEvents(b.id, b.token, [
          { type: 'step-started', step: 0, name: 'checkout' },
          { type: 'step-finished', step: 0, result: 'EXCEPTION', text: r.checkoutException },
          { type: 'step-finished', step: 1, result: 'SKIPPED' },
          { type: 'build-finished', result: 'EXCEPTION', text: `exception checkout: ${r.checkoutException}` },
        ]);
      } else {
        const tests: TestCaseResult[] = Object.entries(r.tests ?? {}).map(([name, outcome]) => ({ suite: 'tap', name, outcome }));
        const failed = tests.some((t) => t.outcome === 'fail');
        const result: Result = failed ? 'FAILURE' : 'SUCCESS';
        await store.applyBuildEvents(b.id, b.token, [
          { type: 'step-started', step: 0, name: 'checkout' },
          { type: 'step-finished', step: 0, result: 'SUCCESS' },
          { type: 'step-started', step: 1, name: 'test' },
          { type: 'tests', step: 1, tests },
          { type: 'step-finished', step: 1, result, ...(failed ? { text: `${tests.filter((t) => t.outcome === 'fail').length} of ${tests.length} tests failed` } : {}) },
          { type: 'build-finished', result },
        ]);
      }
      await detector.settled();
      await announcer.idle();
      return (await store.getBuild(b.id))!;
    };
    return { store, run, outbox, detector };
  }

  it('a test added failing is no regression: no Problem, said once as a new failing test; it is one once it has passed', async () => {
    const { store, run, outbox } = await setup();
    await run({ tests: { a: 'pass' } });
    await run({ tests: { a: 'pass', added: 'fail' } });
    await run({ tests: { a: 'pass', added: 'fail' } });
    expect(await store.problems.recent(10)).toEqual([]);
    const finished = outbox.to('shell:#ops').filter((l) => l.startsWith('linux #'));
    expect(finished[1]).toMatch(/^linux #2: FAILURE \(new failure\) in test; failed tests: added; new failing tests: added /);
    expect(finished[2]).toMatch(/^linux #3: FAILURE \(still failing\) in test; failed tests: added \|/);
    // Once it passed, failing again is a regression like any other.
    await run({ tests: { a: 'pass', added: 'pass' } });
    await run({ tests: { a: 'pass', added: 'fail' } });
    expect((await store.problems.recent(10)).map((p) => [p.state, p.subjects])).toEqual([['confirmed', [{ kind: 'test', suite: 'tap', name: 'added' }]]]);
  });

  it('the same history from a second repository opens its own Problem instead of joining a resolved one; each repository resolves only its own', async () => {
    const { store, run } = await setup();
    await run({ tests: { t1: 'pass' }, revision: 'aaaa0001' });
    await run({ tests: { t1: 'fail' }, revision: 'aaaa0002' });
    await run({ tests: { t1: 'pass' }, revision: 'aaaa0003' });
    const first = (await store.problems.get(1))!;
    expect(first).toMatchObject({ state: 'resolved', repository: REPO_A, firstBadRevision: 'aaaa0002' });
    // A fork with the same commits, built later on the same builder.
    await run({ tests: { t1: 'pass' }, revision: 'aaaa0001', repository: REPO_B });
    await run({ tests: { t1: 'fail' }, revision: 'aaaa0002', repository: REPO_B });
    const second = (await store.problems.get(2))!;
    expect(second).toMatchObject({ state: 'confirmed', repository: REPO_B, firstBadRevision: 'aaaa0002', guilty: ['warner'] });
    expect(second.key).not.toBe(first.key);
    // A passing build of the first repository does not resolve the fork's Problem.
    await run({ tests: { t1: 'pass' }, revision: 'aaaa0004' });
    expect((await store.problems.get(2))?.state).toBe('confirmed');
    await run({ tests: { t1: 'pass' }, revision: 'bbbb0003', repository: REPO_B, author: 'Zooko Wilcox <zooko@example.org>' });
    expect(await store.problems.get(2)).toMatchObject({ state: 'resolved', builders: [expect.objectContaining({ fixedRevision: 'bbbb0003', fixedBy: 'Zooko Wilcox' })] });
  });

  it('hand-picked revisions neither open nor resolve Problems; a revision not found is no Problem', async () => {
    const { store, run } = await setup();
    await run({ tests: { t1: 'pass' } });
    await run({ tests: { t1: 'fail' }, pinned: true });
    await run({ checkoutException: 'revision not found: 0123abcd is not in /srv/git/sample.git after fetching' });
    expect(await store.problems.recent(10)).toEqual([]);
    await run({ tests: { t1: 'fail' } });
    expect((await store.problems.get(1))?.state).toBe('confirmed');
    // An old good revision forced by hand passes: the Problem stays open.
    await run({ tests: { t1: 'pass' }, pinned: true, revision: '00001000' });
    expect((await store.problems.get(1))?.state).toBe('confirmed');
    await run({ tests: { t1: 'pass' } });
    expect((await store.problems.get(1))?.state).toBe('resolved');
  });

  it('a Problem with nobody blamed names the sheriff and the builder owners as responsible', async () => {
    const { store, run } = await setup();
    await run({ tests: { t1: 'pass' }, author: null });
    await run({ tests: { t1: 'fail' }, author: null });
    expect(await store.problems.get(1)).toMatchObject({ state: 'confirmed', guilty: [], responsible: ['meejah', 'zooko'] });
  });

  it('an open Problem stored before identities named the repository still takes the same failure on another builder', async () => {
    const { store, run } = await setup();
    const old = await store.problems.create({
      key: 'test|tap|t1@cccc0002', state: 'confirmed', subjects: [{ kind: 'test', suite: 'tap', name: 't1' }],
      builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }], firstBadRevision: 'cccc0002',
      openedAt: Date.now(), confirmedAt: Date.now(), guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    }, 'problem.opened');
    await run({ builder: 'mac', tests: { t1: 'pass' }, revision: 'cccc0001' });
    await run({ builder: 'mac', tests: { t1: 'fail' }, revision: 'cccc0002' });
    expect((await store.problems.get(old.id))?.builders.map((b) => b.builder)).toEqual(['linux', 'mac']);
    expect(await store.problems.recent(10)).toHaveLength(1);
  });
});
