import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { shellBot } from '../harness/shell-bot.js';
import { makeRepo, type TestRepo } from '../harness/git.js';
import { join } from 'node:path';
import { getProblem, problemsCursor, recentProblems } from '../../src/data/problems.js';
import { ProblemDetector } from '../../src/problems/detector.js';
import type { Problem } from '../../src/problems/model.js';
import { openProblemsOn } from '../../src/problems/index.js';
import { putVerifiedClaim } from '../../src/data/claims.js';

const junit = (failing: string[] = []) => `<?xml version="1.0"?>
<testsuite name="sample" tests="2">
  <testcase classname="sample.parser" name="parses_empty">${failing.includes('parses_empty') ? '<failure message="boom"/>' : ''}</testcase>
  <testcase classname="sample.net" name="reconnects">${failing.includes('reconnects') ? '<failure message="boom"/>' : ''}</testcase>
</testsuite>`;

const testStep = `{ type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml && ! grep -q "<failure" out.xml'], testResults: { format: 'junit', path: 'out.xml' } }`;

const flakyStep = `{ type: 'shell', name: 'flaky', command: ['sh', '-c', 'test ! -f flaky.sh || sh flaky.sh'] }`;

function config(repo: TestRepo, schedulers: string) {
  return `{
  redis: { prefix: 'PREFIX' },
  basedir: 'BASEDIR',
  executors: [{ name: 'a', secret: '${SECRET_A}', maxBuilds: 2 }],
  repositories: [{ name: 'sample', url: '${repo.dir}', branches: ['main'], pollInterval: 0.3 }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [{ type: 'checkout' }, ${flakyStep}, ${testStep}] },
    { name: 'mac', executors: ['a'], steps: [{ type: 'checkout' }, ${flakyStep}, ${testStep}] },
  ],
  schedulers: [${schedulers}],
  problems: { owners: [{ paths: ['src/net/**'], users: ['brian'] }], sheriff: ['warner', 'zooko'], interested: { linux: ['meejah'] } },
}`;
}


const problemIn = (fx: PipelineFixture, id: number, state: Problem['state']) =>
  waitFor(`problem ${id} ${state}`, async () => {
    const p = await getProblem(fx.store, id);
    return p?.state === state ? p : null;
  }, 40_000);

describe('problems', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it("warner's change breaks a test on two builders: one problem, confirmed by a rerun, blamed on warner, resolved by the fix; chat commands", async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'initial');
    fx = await PipelineFixture.create('problems', config(repo, `{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.3, builders: ['linux', 'mac'] }`));
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
    expect(p.interested).toEqual(['meejah']);
    await waitFor('both builders on problem 1', async () => ((await getProblem(fx.store, 1))?.builders.length === 2 ? true : null));
    expect((await recentProblems(fx.store, 10)).length).toBe(1);
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
    expect(await bot.say('bb: problems', /#1/)).toMatch(/#1 \[confirmed\] sample\.net\.reconnects on (linux, mac|mac, linux) since [0-9a-f]{12}.*guilty warner/);
    expect(await bot.say('bb: problem 1', /guilty/)).toMatch(/Problem 1 \[confirmed\][\s\S]*revisions [0-9a-f]{12}\.\.[0-9a-f]{12}[\s\S]*guilty: warner \(changes \d/);
    expect(await bot.say('bb: not me 1', /verify/)).toMatch(/i am user/);
    expect(await bot.say('bb: ack 1 looking', /acknowledged/)).toContain('Problem 1 acknowledged by shell:warner: looking.');
    await putVerifiedClaim(fx.store, { transport: 'shell', kind: 'nick', id: 'warner' }, {
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
    const after = (await getProblem(fx.store, 1))!;
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
    fx = await PipelineFixture.create('problemsforced', config(repo, `{ type: 'force', name: 'force', builders: ['linux', 'mac'] }`));
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
    await waitFor('mac to join problem 1', async () => ((await getProblem(fx.store, 1))?.builders.some((b) => b.builder === 'mac') ? true : null));
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'fix');
    await waitFor('the poller to see the fix', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    expect((await force('linux', 4)).result).toBe('SUCCESS');
    expect((await getProblem(fx.store, 1))?.state).toBe('confirmed'); // still failing on mac
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
    const keys = await fx.store.redis.keys(`${fx.store.keys.db}:*problem*`);
    await fx.store.redis.del(...keys);
    const cfg = fx.master!.config;
    const replay = new ProblemDetector(fx.store, { ...cfg, problems: { ...cfg.problems, confirm: false } }, fx.log, join(fx.dir, 'master', 'mirrors'));
    replay.start();
    const lastBuild = Number(await fx.store.redis.get(fx.store.keys.seq('build')));
    expect(lastBuild).toBe(9);
    await waitFor('the replay', async () => (await problemsCursor(fx.store)) === lastBuild);
    await replay.stop();
    const replayed = (await recentProblems(fx.store, 10)).reverse();
    expect(replayed.map((x) => [x.id, x.state, x.builders.map((b) => b.builder).sort()])).toEqual([[1, 'resolved', ['linux', 'mac']], [2, 'confirmed', ['linux']]]);
    expect(replayed[0]!.guilty.sort()).toEqual(['meejah', 'warner']);
  }, 120_000);
});
