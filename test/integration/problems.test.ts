import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { makeRepo, type TestRepo } from '../harness/git.js';
import { join } from 'node:path';
import { ProblemDetector } from '../../src/problems/detector.js';
import type { Problem } from '../../src/model/problem.js';
import { openProblemsOn } from '../../src/problems/index.js';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { stepSpecSchema } from '../../src/model/steps.js';
import { createLogger } from '../../src/log.js';
import { startAnnouncer } from '../../src/notify/announcer.js';
import { recordingLogger, startMasterWith } from '../harness/master-with.js';
import { RecordingOutbox } from '../harness/recording-outbox.js';
import { changeInputSchema } from '../../src/model/change.js';
import type { Build } from '../../src/model/build.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { testConfig, type BuilderInput, type SchedulerInput, type TestConfig } from '../harness/config.js';

type Step = NonNullable<BuilderInput['steps']>[number];

const junit = (failing: string[] = []) => `<?xml version="1.0"?>
<testsuite name="sample" tests="2">
  <testcase classname="sample.parser" name="parses_empty">${failing.includes('parses_empty') ? '<failure message="boom"/>' : ''}</testcase>
  <testcase classname="sample.net" name="reconnects">${failing.includes('reconnects') ? '<failure message="boom"/>' : ''}</testcase>
</testsuite>`;

const testStep: Step = { type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml && ! grep -q "<failure" out.xml'], testResults: { format: 'junit', path: 'out.xml' } };

const flakyStep: Step = { type: 'shell', name: 'flaky', command: ['sh', '-c', 'test ! -f flaky.sh || sh flaky.sh'] };

function config(repo: TestRepo, scheduler: SchedulerInput): TestConfig {
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A, maxBuilds: 2 }],
    repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
    builders: [
      { name: 'linux', executors: ['a'], steps: [{ type: 'checkout' }, flakyStep, testStep] },
      { name: 'mac', executors: ['a'], steps: [{ type: 'checkout' }, flakyStep, testStep] },
    ],
    schedulers: [scheduler],
    problems: { owners: [{ paths: ['src/net/**'], users: ['brian'] }], sheriff: ['warner', 'zooko'], interested: { linux: ['meejah'] } },
  });
}


const problemIn = (fx: PipelineFixture, id: number, state: Problem['state']) =>
  waitFor(`problem ${id} ${state}`, async () => {
    const p = await fx.store.problems.get(id);
    return p?.state === state ? p : null;
  }, 40_000);

describe('problems', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it("warner's change breaks a test on two builders: one problem, confirmed by a rerun, blamed on warner, resolved by the fix; chat commands", async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'initial');
    fx = await PipelineFixture.create('problems', config(repo, { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.3, builders: ['linux', 'mac'] }));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    const events: string[] = [];
    for (const e of ['problem.opened', 'problem.flaky', 'problem.resolved'] as const) fx.store.bus.on(e, (p) => events.push(`${e} ${p.id}`));
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'README': 'hi\n' }, 'readme');
    await waitFor('green builds', async () => (await fx.builds('linux'))[0]?.result === 'SUCCESS' && (await fx.builds('mac'))[0]?.result === 'SUCCESS', 30_000);

    const bad = repo.commit('Brian Warner <warner@example.org>', { 'results.xml': junit(['reconnects']), 'src/net/conn.c': 'x\n' }, 'break it');
    const p = await problemIn(fx, 1, 'confirmed');
    expect(p.subjects).toEqual([{ kind: 'test', suite: 'sample.net', name: 'reconnects' }]);
    expect(p.firstBadRevision).toBe(bad);
    expect(p.guilty).toEqual(['warner']);
    expect(p.responsible).toEqual(expect.arrayContaining(['warner', 'brian']));
    await waitFor('both builders on problem 1', async () => ((await fx.store.problems.get(1))?.builders.length === 2 ? true : null));
    // meejah is interested in linux, whichever of linux and mac found the Problem first.
    expect((await fx.store.problems.get(1))?.interested).toEqual(['meejah']);
    expect((await fx.store.problems.recent(10)).length).toBe(1);
    const confirm = (await fx.builds('linux')).find((b) => b.properties.confirm_problem === 1) ?? (await fx.builds('mac')).find((b) => b.properties.confirm_problem === 1);
    expect(confirm?.result).toBe('FAILURE');
    expect(confirm?.properties.got_revision).toBe(bad);
    expect(await openProblemsOn(fx.store, 'mac')).toEqual([expect.objectContaining({ id: 1, tests: ['sample.net.reconnects'], guilty: ['warner'], firstBadRevision: bad })]);
    expect(events).toContain('problem.opened 1');
    // A confirmed Problem on supported builders closes the tree (issue 6); the fix opens it again.
    const closed = await fx.master!.tiers.tree();
    expect(closed.open).toBe(false);
    expect([...closed.reasons].sort()).toEqual([
      expect.stringMatching(/^problem #1 on linux since [0-9a-f]{12} \(sample\.net\.reconnects\)$/),
      expect.stringMatching(/^problem #1 on mac since [0-9a-f]{12} \(sample\.net\.reconnects\)$/),
    ]);
    expect(closed.responsible).toEqual(expect.arrayContaining(['warner']));

    const bot = await shellBot(fx);
    // After the confirming rerun, last and status show the build that first failed, with its blamelist, and mark the rerun.
    const first = (await fx.builds(confirm!.builder)).filter((b) => b.properties.got_revision === bad && b.id !== confirm!.id)[0]!;
    const shown = `#${first.number} FAILURE in test, 1 test failed at ${bad.slice(0, 12)} by Brian Warner; rerun #${confirm!.number} FAILURE (confirming problem #1)`;
    expect(await bot.say(`bb: last ${confirm!.builder}`, /rerun/)).toContain(`<bb> ${confirm!.builder}: ${shown}`);
    expect(await bot.say(`bb: status ${confirm!.builder}`, /rerun/)).toContain(`; last ${shown} [`);
    expect(await bot.say('bb: problems', /#1/)).toMatch(/#1 \[confirmed\] sample\.net\.reconnects on (linux, mac|mac, linux) since [0-9a-f]{12}.*guilty warner/);
    expect(await bot.say('bb: problem 1', /guilty/)).toMatch(/Problem 1 \[confirmed\][\s\S]*revisions [0-9a-f]{12}\.\.[0-9a-f]{12}[\s\S]*guilty: warner \(changes \d/);
    expect(await bot.say('bb: not me 1', /verify/)).toMatch(/i am user/);
    expect(await bot.say('bb: ack 1 looking', /acknowledged/)).toContain('Problem 1 acknowledged by shell:warner: looking.');
    await fx.store.claims.putVerified({ transport: 'shell', kind: 'nick', id: 'warner' }, {
      user: 'warner', claimedAt: Date.now(), verified: true, verifiedAt: Date.now(), account: null, sender: 'warner', transport: 'shell',
    });
    expect(await bot.say('bb: not me 1 it was the tests', /Noted/)).toContain('Noted: warner is not guilty of problem 1 (it was the tests). Guilty now: nobody.');
    expect(await bot.say('bb: snooze 1 2h', /snoozed/)).toMatch(/Problem 1 snoozed until/);
    expect(await bot.say('bb: snooze 1 later', /duration/)).toMatch(/not a duration/);
    expect(await bot.say('bb: watch problem 1', /watches/)).toContain('warner now watches problem 1.');
    expect(await bot.say('bb: sheriff', /sheriff/)).toMatch(/The sheriff for \d{4}-W\d\d is (warner|zooko) \(rotation: warner, zooko\)/);
    expect(await bot.say('bb: sheriff set meejah', /is the sheriff/)).toMatch(/meejah is the sheriff for/);
    expect(await bot.say('bb: sheriff', /sheriff/)).toMatch(/is meejah/);
    expect(await bot.say('bb: flaky', /flaky/)).toContain('No flaky tests seen.');
    expect(await bot.say('bb: problem 9', /no problem/)).toContain('There is no problem 9.');
    const after = (await fx.store.problems.get(1))!;
    expect(after).toMatchObject({ guilty: [], acks: [{ user: 'shell:warner', note: 'looking' }], notMe: [{ user: 'warner', note: 'it was the tests' }], watchers: ['warner'] });
    expect(after.snoozedUntil).toBeGreaterThan(Date.now() + 3_600_000);

    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'fix it');
    const resolved = await problemIn(fx, 1, 'resolved');
    expect(resolved.resolvedAt).toBeGreaterThan(0);
    expect(resolved.builders.every((b) => b.fixedAt)).toBe(true);
    expect(events).toContain('problem.resolved 1');
    expect(await fx.master!.tiers.tree()).toEqual({ open: true, reasons: [], responsible: [] });
    expect(await bot.say('bb: problems', /problems/)).toContain('No open problems.');
    await bot.stop();
  }, 120_000);

  it('a forced build without changes blames by git history; a flaky test is not a problem', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit(), 'flaky.sh': 'true\n' }, 'initial');
    fx = await PipelineFixture.create('problemsforced', config(repo, { type: 'force', name: 'force', builders: ['linux', 'mac'] }));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    const events: string[] = [];
    for (const e of ['problem.opened', 'problem.flaky', 'problem.resolved'] as const) fx.store.bus.on(e, (p) => events.push(`${e} ${p.id}`));
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    const force = async (builder: string, n: number) => {
      await fx.client.control({ v: 1, type: 'force', builders: [builder], owner: 'test', properties: {} });
      return waitFor(`${builder} #${n}`, async () => {
        const b = (await fx.builds(builder)).find((x) => x.number === n);
        return b?.state === 'finished' ? b : null;
      }, 30_000);
    };
    expect((await force('linux', 1)).result).toBe('SUCCESS');
    expect((await force('mac', 1)).result).toBe('SUCCESS');
    repo.commit('Brian Warner <warner@example.org>', { 'src/net/a.c': 'a\n' }, 'one');
    repo.commit('Meejah <meejah@example.org>', { 'results.xml': junit(['parses_empty']) }, 'two');
    await waitFor('the poller to see it', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    expect((await force('linux', 2)).result).toBe('FAILURE');
    const p = await problemIn(fx, 1, 'confirmed');
    expect(p.guilty.sort()).toEqual(['meejah', 'warner']);
    expect(p.blameNote).toMatch(/^git log [0-9a-f]{12}\.\.[0-9a-f]{12}$/);
    expect(p.responsible).toEqual(expect.arrayContaining(['brian']));
    expect((await fx.builds('linux'))[2]).toMatchObject({ number: 3, result: 'FAILURE', properties: expect.objectContaining({ confirm_problem: 1 }) });

    // The same test broken on mac at the same revision joins the same Problem.
    expect((await force('mac', 2)).result).toBe('FAILURE');
    await waitFor('mac to join problem 1', async () => ((await fx.store.problems.get(1))?.builders.some((b) => b.builder === 'mac') ? true : null));
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'fix');
    await waitFor('the poller to see the fix', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    expect((await force('linux', 4)).result).toBe('SUCCESS');
    expect((await fx.store.problems.get(1))?.state).toBe('confirmed'); // still failing on mac
    expect((await force('mac', 3)).result).toBe('SUCCESS');
    await problemIn(fx, 1, 'resolved');

    // Flaky: the check fails the first time it runs and passes on the confirming rerun.
    const marker = `${fx.dir}/flaky-ran`;
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'flaky.sh': `test -f ${marker} || { touch ${marker}; exit 1; }\n` }, 'flaky check');
    await waitFor('the poller to see it', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    expect((await force('linux', 5)).result).toBe('FAILURE');
    const flaky = await problemIn(fx, 2, 'flaky');
    expect(flaky.subjects).toEqual([{ kind: 'step', suite: '', name: 'flaky' }]);
    expect((await fx.builds('linux'))[5]).toMatchObject({ number: 6, result: 'SUCCESS' });
    expect(await openProblemsOn(fx.store, 'linux')).toEqual([]);
    expect(events).toEqual(['problem.opened 1', 'problem.resolved 1', 'problem.flaky 2']);
    const bot = await shellBot(fx);
    expect(await bot.say('bb: flaky', /#2/)).toMatch(/#2 step flaky on linux at [0-9a-f]{12}/);
    await bot.stop();

    // A detector that has seen none of these builds (as after a master was down) catches up from
    // its cursor, in build order, and reaches the same Problems (here without confirming reruns).
    const keys = await fx.redis.keys(`${fx.keys.db}:*problem*`);
    await fx.redis.del(...keys);
    const cfg = fx.master!.config;
    const replay = new ProblemDetector(fx.store, { ...cfg, problems: { ...cfg.problems, confirm: false } }, fx.log, join(fx.dir, 'master', 'mirrors'));
    replay.start();
    const lastBuild = Number(await fx.redis.get(fx.keys.seq('build')));
    expect(lastBuild).toBe(9);
    await waitFor('the replay', async () => (await fx.store.problems.cursor()) === lastBuild);
    await replay.stop();
    const replayed = (await fx.store.problems.recent(10)).reverse();
    expect(replayed.map((x) => [x.id, x.state, x.builders.map((b) => b.builder).sort()])).toEqual([[1, 'resolved', ['linux', 'mac']], [2, 'confirmed', ['linux']]]);
    expect(replayed[0]!.guilty.sort()).toEqual(['meejah', 'warner']);
  }, 120_000);
});

/** What a suspected Problem needs, for writing one as a master that stopped half-way would have left it. */
const suspected = (key: string, builder: string, firstBadBuildId: number): Omit<Problem, 'id'> => ({
  key, state: 'suspected', subjects: [{ kind: 'step', suite: '', name: key }], builders: [{ builder, firstBadBuildId, firstBadNumber: 1 }],
  firstBadRevision: 'f'.repeat(40), openedAt: Date.now(), guilty: [], responsible: [], interested: [], notMe: [], acks: [], watchers: [],
});

describe('suspected problems whose confirming rerun gives no verdict', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a stopped (CANCELLED) rerun confirms the problem, and so does a lost rerun found at start; the log says why', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit(), 'flaky.sh': 'true\n' }, 'initial');
    fx = await PipelineFixture.create('problemssweep', config(repo, { type: 'force', name: 'force', builders: ['linux', 'mac'] }));
    let logs = recordingLogger();
    await startMasterWith(fx, { logger: logs.logger });
    await fx.startExecutor('a', SECRET_A, 2);
    const events: string[] = [];
    for (const e of ['problem.opened', 'problem.flaky', 'problem.resolved'] as const) fx.store.bus.on(e, (p) => events.push(`${e} ${p.id}`));
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', properties: {} });
    await waitFor('linux #1', async () => (await fx.builds('linux'))[0]?.result === 'SUCCESS');

    // The check fails the first time; on the confirming rerun it hangs, and someone stops it.
    const marker = `${fx.dir}/hang-ran`;
    repo.commit('Brian Warner <warner@example.org>', { 'flaky.sh': `test -f ${marker} || { touch ${marker}; exit 1; }\nsleep 60\n` }, 'hang');
    await waitFor('the poller to see it', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', properties: {} });
    await problemIn(fx, 1, 'suspected');
    const rerun = await waitFor('the confirming rerun to run', async () => {
      const b = (await fx.builds('linux')).find((x) => x.properties.confirm_problem === 1);
      return b?.state === 'running' && b.steps.find((s) => s.name === 'flaky')?.state === 'running' ? b : null;
    }, 30_000);
    const p = (await fx.store.problems.get(1))!;
    expect(p.state).toBe('suspected');
    expect(rerun.buildsetId).toBe(p.confirmBuildsetId);
    await fx.master!.stopBuild({ v: 1, type: 'stop', builder: 'linux', number: rerun.number, owner: 'test' });
    const confirmed = await problemIn(fx, 1, 'confirmed');
    expect(confirmed.confirmedAt).toBeGreaterThan(0);
    expect((await fx.store.getBuild(rerun.id))?.result).toBe('CANCELLED');
    expect((await fx.store.getBuildSet(p.confirmBuildsetId!))).toMatchObject({ result: 'CANCELLED', completeAt: expect.any(Number) });
    expect(events).toEqual(['problem.opened 1']);
    expect(logs.lines.find((l) => l.msg === 'problem confirmed without a verdict from its rerun: the original failure stands')).toMatchObject({
      problem: 1,
      buildset: p.confirmBuildsetId,
      why: `its confirming BuildSet ${p.confirmBuildsetId} ended CANCELLED with no counted build: linux #${rerun.number} CANCELLED (stopped by test)`,
    });

    // A master stopped half-way left two suspected Problems: one whose rerun was never recorded,
    // one whose BuildSet is gone. The next master confirms both when it starts.
    await fx.master!.stop();
    const redis = new Redis(fx.redisUrl);
    const store = new Store(redis, fx.prefix);
    const norerun = await store.problems.create(suspected('norerun', 'mac', 1));
    const gone = await store.problems.create({ ...suspected('gone', 'mac', 1), confirmBuildsetId: 9999 });
    redis.disconnect();
    logs = recordingLogger();
    await startMasterWith(fx, { logger: logs.logger });
    expect((await problemIn(fx, norerun.id, 'confirmed')).confirmedAt).toBeGreaterThan(0);
    expect((await problemIn(fx, gone.id, 'confirmed')).confirmedAt).toBeGreaterThan(0);
    const whys = logs.lines.filter((l) => l.msg === 'problem confirmed without a verdict from its rerun: the original failure stands').map((l) => [l.problem, l.why]);
    expect(whys).toEqual([[norerun.id, 'no confirming rerun was recorded'], [gone.id, 'its confirming BuildSet 9999 is gone']]);
  }, 120_000);
});

describe('the sweep of suspected problems, on the real store without executors', () => {
  let url: string;
  let prefix: string;
  let redis: Redis;
  afterEach(async () => {
    redis?.disconnect();
    await deletePrefix(url, prefix);
  });

  it('a pending or retried rerun waits; a builder that passes first resolves it unannounced; a cancelled rerun confirms; a counted rerun the cursor skipped is judged by the sweep', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('problemsweepstore');
    redis = new Redis(url);
    const store = new Store(redis, prefix);
    const config = masterConfigSchema.parse({
      redis: { prefix },
      executors: [{ name: 'a', secret: 'x'.repeat(16) }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      chat: { announce: [{ target: 'shell:#ops', events: ['problem'] }] },
    });
    const log = createLogger('test', { level: 'silent' });
    const outbox = new RecordingOutbox();
    const announcer = startAnnouncer({ store, config, outbox, log });
    const detector = new ProblemDetector(store, config, log);
    detector.start();
    const steps = ['compile', 'test'].map((name) => stepSpecSchema.parse({ type: 'shell', name, command: 'true' }));
    let rev = 0x1000;
    /** A build of linux at a new revision by warner, written as the master writes an executor's events, reporting these tests. */
    const run = async (tests: Record<string, 'pass' | 'fail'>) => {
      const revision = (rev++).toString(16).padStart(8, '0');
      const change = await store.addChange(changeInputSchema.parse({ author: 'Brian Warner <warner@example.org>', revision, branch: 'main' }));
      const { requests } = await store.createBuildSet({
        reason: 'test', scheduler: 'force', builders: ['linux'], properties: {}, priority: 0,
        sourcestamp: { repository: '', branch: 'main', revision, project: '', changeIds: [change!.id] },
      });
      const b = (await store.claimRequest(requests[0]!.id, 'a', steps, {}))!;
      await store.applyBuildEvents(b.id, b.token, [{ type: 'build-started' }]);
      return finish(b, tests);
    };
    const finish = async (b: Build, tests: Record<string, 'pass' | 'fail'>) => {
      const failed = Object.values(tests).includes('fail');
      return (await store.applyBuildEvents(b.id, b.token, [
        { type: 'step-started', step: 1, name: 'test' },
        { type: 'tests', step: 1, tests: Object.entries(tests).map(([name, outcome]) => ({ suite: 'tap', name, outcome })) },
        { type: 'step-finished', step: 1, result: failed ? 'FAILURE' : 'SUCCESS' },
        { type: 'build-finished', result: failed ? 'FAILURE' : 'SUCCESS' },
      ]))!;
    };
    const settle = async () => {
      await detector.settled();
      await announcer.idle();
    };
    /** The confirming rerun of a Problem claimed by executor a (it does not run: the test ends it). */
    const claimRerun = async (id: number) => {
      const p = (await store.problems.get(id))!;
      const bs = (await store.getBuildSet(p.confirmBuildsetId!))!;
      const b = (await store.claimRequest(bs.requestIds[0]!, 'a', steps, {}))!;
      await store.applyBuildEvents(b.id, b.token, [{ type: 'build-started' }]);
      return b;
    };
    await run({ t1: 'pass', t2: 'pass', t3: 'pass' });
    await run({ t1: 'fail', t2: 'pass', t3: 'pass' });
    await settle();
    const p1 = (await store.problems.get(1))!;
    expect(p1).toMatchObject({ state: 'suspected', subjects: [{ kind: 'test', suite: 'tap', name: 't1' }] });
    // The rerun is lost by its executor (RETRY): it goes back in line, and the Problem waits.
    const lost = await claimRerun(1);
    await store.finishBuild(lost.id, lost.token, 'RETRY', 'executor lost');
    await settle();
    expect((await store.problems.get(1))?.state).toBe('suspected');
    // Before the rerun gets a turn, the builder passes t1 at a newer revision: resolved as usual,
    // and not announced (nobody heard it open). Then the rerun is cancelled: nothing changes.
    await run({ t1: 'pass', t2: 'pass', t3: 'pass' });
    await settle();
    expect(await store.problems.get(1)).toMatchObject({ state: 'resolved', resolvedAt: expect.any(Number) });
    expect((await store.problems.get(1))?.confirmedAt).toBeUndefined();
    const rerun1 = (await store.getBuildSet(p1.confirmBuildsetId!))!;
    await store.cancelPending(rerun1.requestIds, 0, 'cancelled by hand');
    await settle();
    expect((await store.getBuildSet(rerun1.id))?.result).toBe('CANCELLED');
    expect((await store.problems.get(1))?.state).toBe('resolved');
    expect(outbox.to('shell:#ops')).toEqual([]);

    // t2 breaks; its rerun is cancelled while pending: the failure stands, announced as opened.
    await run({ t1: 'pass', t2: 'fail', t3: 'pass' });
    await settle();
    const p2 = (await store.problems.get(2))!;
    expect(p2.state).toBe('suspected');
    await store.cancelPending((await store.getBuildSet(p2.confirmBuildsetId!))!.requestIds, 0, 'cancelled by hand');
    await settle();
    expect(await store.problems.get(2)).toMatchObject({ state: 'confirmed', confirmedAt: expect.any(Number) });
    expect(outbox.to('shell:#ops')).toEqual(['problem #2 opened: tap.t2 fails on linux since 00001003 | guilty warner']);

    // t3 breaks; its rerun passes while no detector runs, and the cursor is moved past it (as if
    // handled). The sweep at the next start judges the rerun as the cursor would: flaky.
    await run({ t1: 'pass', t2: 'pass', t3: 'pass' });
    await run({ t1: 'pass', t2: 'pass', t3: 'fail' });
    await settle();
    await detector.stop();
    const rerun3 = await claimRerun(3);
    await finish(rerun3, { t1: 'pass', t2: 'pass', t3: 'pass' });
    await store.problems.setCursor(rerun3.id); // as if the build had been handled, though it was not
    const again = new ProblemDetector(store, config, log);
    again.start();
    await again.settled();
    await announcer.idle();
    expect(await store.problems.get(3)).toMatchObject({ state: 'flaky', flakyAt: expect.any(Number) });
    expect(outbox.to('shell:#ops').slice(1)).toEqual([
      'problem #2 resolved: tap.t2 passes again on linux (fixed in 00001004 by Brian Warner)',
      'problem #3 is flaky: tap.t3 failed on linux at 00001005 (passed on a rerun of the same revision; nobody is hassled)',
    ]);
    await again.stop();
    await announcer.stop();
  });
});
