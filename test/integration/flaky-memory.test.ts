import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { makeRepo } from '../harness/git.js';
import { StoredProblems } from '../../src/problems/actions.js';
import { subjectLabel, type Problem } from '../../src/model/problem.js';
import type { Build } from '../../src/model/build.js';
import { shellBot } from '../harness/shell-bot.js';
import { testConfig } from '../harness/config.js';

/**
 * The generator the builder runs instead of a test suite: tape-style TAP with three tests.
 * "flaky network" fails with probability 0.3, drawn from a PRNG seeded with SEED and the build
 * number (so a confirming rerun, a build of its own, draws again); "parses input" fails while the
 * file `broken` says yes; "adds numbers" always passes.
 */
const SEED = 20261203;
const GEN = `import { existsSync, readFileSync } from 'node:fs';
let a = (${SEED} + Number(process.env.BB_BUILD_NUMBER) * 7919) | 0;
const next = () => { a = (a + 0x6d2b79f5) | 0; let t = Math.imul(a ^ (a >>> 15), 1 | a); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
next();
const flakyFails = next() < 0.3;
const broken = existsSync('broken') && readFileSync('broken', 'utf8').trim() === 'yes';
console.log(['TAP version 13',
  '# adds numbers', 'ok 1 should be equal',
  '# flaky network', flakyFails ? 'not ok 2 timed out after 2000 ms' : 'ok 2 connected',
  '# parses input', broken ? 'not ok 3 should be deeply equivalent' : 'ok 3 should be deeply equivalent',
  '1..3'].join('\\n'));
`;

const config = (repoDir: string) => testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  repositories: [{ name: 'sample', url: repoDir, branches: ['main'], pollInterval: 0.2 }],
  builders: [{ name: 'linux', executors: ['a'], steps: [
    { type: 'checkout' },
    { type: 'shell', name: 'test', command: 'node gen.mjs > results.tap', testResults: { format: 'tap', path: 'results.tap' } },
  ] }],
  schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] }],
  problems: { sheriff: ['zooko'] },
});

const FLAKY = 'flaky network';
const REAL = 'parses input';
const has = (p: Problem, name: string) => p.subjects.some((s) => s.name === name) || (p.flakySubjects ?? []).some((s) => s.name === name);

describe('flaky tests remembered, over 50 builds with a real executor and Redis', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a seeded 30% flaky test draws no reminder while a real regression in the same builds is opened, blamed and resolved', async () => {
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'gen.mjs': GEN, 'n.txt': '0\n' }, 'initial');
    fx = await PipelineFixture.create('flakymemory', config(repo.dir));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 1);
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head());

    /** Everything settled: the build of `rev` finished, no build pending or running, the detector past every build. */
    const settled = (rev: string) =>
      waitFor(`builds of ${rev.slice(0, 8)} settled`, async () => {
        const builds = await fx.builds('linux');
        if (!builds.some((b) => b.properties.got_revision === rev && b.state === 'finished')) return null;
        if (builds.some((b) => b.state !== 'finished')) return null;
        const last = await fx.store.builds.lastId();
        if ((await fx.store.problems.cursor()) < last) return null;
        const open = await fx.store.problems.open();
        if (open.some((p) => p.state === 'suspected')) return null;
        return true;
      }, 60_000);

    const innocents = ['Zooko Wilcox <zooko@example.org>', 'Meejah <meejah@example.org>', 'Daira Hopwood <daira@example.org>'];
    let breakRev = '';
    let fixRev = '';
    for (let i = 1; i <= 50; i++) {
      let rev: string;
      if (i === 30) rev = breakRev = repo.commit('Brian Warner <warner@example.org>', { broken: 'yes\n' }, 'a real regression');
      else if (i === 42) rev = fixRev = repo.commit('Zooko Wilcox <zooko@example.org>', { broken: 'no\n' }, 'fix the parser');
      else rev = repo.commit(innocents[i % innocents.length]!, { 'n.txt': `${i}\n` }, `change ${i}`);
      await settled(rev);
    }

    const builds: Build[] = (await fx.builds('linux')).filter((b) => b.properties.confirm_problem === undefined);
    expect(builds.length).toBeGreaterThanOrEqual(50);
    const flakyFailures = [];
    for (const b of builds) {
      const tests = await fx.store.getTests(b.id);
      if (tests.some((t) => t.name === FLAKY && t.outcome === 'fail')) flakyFailures.push(b.number);
    }
    // The seed makes the flaky test fail often enough to matter.
    expect(flakyFailures.length).toBeGreaterThanOrEqual(8);

    const problems = await fx.store.problems.recent(100);
    // No Problem about the flaky test was ever confirmed, and nobody was reminded of one.
    const aboutFlaky = problems.filter((p) => has(p, FLAKY));
    for (const p of aboutFlaky) {
      expect(p.state === 'confirmed' && p.subjects.some((s) => s.name === FLAKY)).toBe(false);
      if (!p.subjects.some((s) => s.name === REAL)) expect(await fx.store.hassle.log(p.id)).toEqual([]);
    }
    // The real regression: opened at warner's commit, blamed on him, reminded, resolved by zooko's fix.
    const real = problems.filter((p) => p.subjects.some((s) => s.name === REAL));
    expect(real).toHaveLength(1);
    expect(real[0]).toMatchObject({ firstBadRevision: breakRev, guilty: ['warner'], state: 'resolved' });
    expect(real[0]!.subjects.map(subjectLabel)).toEqual([`results.tap.${REAL}`]);
    expect(real[0]!.builders[0]).toMatchObject({ fixedRevision: fixRev, fixedBy: 'Zooko Wilcox' });
    const reminders = await fx.store.hassle.log(real[0]!.id);
    expect(reminders.some((e) => e.to === 'warner')).toBe(true);
    expect(reminders.every((e) => ['warner', 'zooko'].includes(e.to))).toBe(true);

    // Remembered per test and builder, with its flip rate; `flaky <test> off` forgets it.
    const api = new StoredProblems(fx.store, fx.master!.config);
    const remembered = await api.flakyTests();
    const entry = remembered.find((r) => r.record.subject.name === FLAKY);
    expect(entry).toMatchObject({ builder: 'linux' });
    expect(entry!.flipRate).toBeGreaterThan(0.2);
    const bot = await shellBot(fx);
    expect(await bot.say('bb: flaky', /flips/)).toMatch(/results\.tap\.flaky network on linux: flaky, flips in \d+% of its last \d+ runs/);
    expect(await bot.say('bb: flaky "flaky network" off', /treated/)).toContain('No longer treated as flaky: results.tap.flaky network on linux.');
    expect((await api.flakyTests()).some((r) => r.record.subject.name === FLAKY)).toBe(false);
    await bot.stop();
    console.log(`flaky-memory: ${builds.length} builds, flaky test failed in ${flakyFailures.length}; ${aboutFlaky.length} problems touched it, 0 reminders about it; regression problem #${real[0]!.id} reminded ${reminders.length} time(s)`);
  }, 300_000);
});
