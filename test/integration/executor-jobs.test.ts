import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, logText, useRigs } from './executor-fixture.js';
import { waitFor } from '../harness/bb.js';

const { setup, repo } = useRigs();

describe('executor jobs and steps', () => {
  it('runs builds of different work trees at once, and of one work tree one at a time', async () => {
    const { master, scratch } = await setup();
    const stamp = 'node -e "console.log(Date.now())"; sleep 0.5; node -e "console.log(Date.now())"';
    const jobs = await Promise.all([
      master.dispatch({ workdir: 'w1', steps: [{ type: 'shell', command: stamp }] }),
      master.dispatch({ workdir: 'w1', steps: [{ type: 'shell', command: stamp }] }),
    ]);
    const spans = [];
    for (const j of jobs) {
      await master.finished(j.payload.buildId);
      spans.push(logText(master.buildEvents(j.payload.buildId), 0, 'stdout').trim().split('\n').map(Number) as [number, number]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    expect(spans[1]![0]).toBeGreaterThanOrEqual(spans[0]![1]);

    // Different work directories run at once: each build waits until the other has started (run one after the other, they would never end).
    const mark = (w: string) => join(scratch, `${w}-started`);
    const waitsFor = (me: string, other: string) => `touch ${mark(me)}; while [ ! -f ${mark(other)} ]; do sleep 0.05; done`;
    const par = await Promise.all([
      master.dispatch({ workdir: 'w2', steps: [{ type: 'shell', command: waitsFor('w2', 'w3') }] }),
      master.dispatch({ workdir: 'w3', steps: [{ type: 'shell', command: waitsFor('w3', 'w2') }] }),
    ]);
    for (const j of par) expect(await master.finished(j.payload.buildId)).toMatchObject({ result: 'SUCCESS' });
  });

  it('a revision that does not exist ends the build as EXCEPTION, "revision not found"', async () => {
    const { master } = await setup();
    const src = repo();
    src.commit('Alice <a@x>', { 'f': '1' });
    const { payload } = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: 'main', revision: 'deadbeef'.repeat(5), project: 'p' },
      steps: [{ type: 'checkout' }, { type: 'shell', command: 'true' }],
    });
    expect(await master.finished(payload.buildId)).toMatchObject({ result: 'EXCEPTION', text: expect.stringMatching(/^exception checkout: revision not found: deadbeef/) });
    expect(master.buildEvents(payload.buildId).filter((e) => e.type === 'step-finished')[0]).toMatchObject({ result: 'EXCEPTION', text: expect.stringMatching(/^revision not found: deadbeef.* is not in /) });
  });

  it.each(['--upload-pack=touch MARKER', '-x'])('refuses the branch %j without running git', async (branch) => {
    const { master, basedir, scratch } = await setup();
    const src = repo();
    src.commit('Alice <a@x>', { 'f': '1' });
    const marker = join(scratch, 'marker');
    const { payload } = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: branch.replace('MARKER', marker), project: 'p' },
      steps: [{ type: 'checkout' }, { type: 'shell', command: `touch ${marker}` }],
    });
    expect(await master.finished(payload.buildId)).toMatchObject({ result: 'EXCEPTION', text: expect.stringMatching(/^exception checkout: refusing branch name/) });
    const evs = master.buildEvents(payload.buildId);
    expect(evs.filter((e) => e.type === 'step-finished')).toMatchObject([
      { step: 0, result: 'EXCEPTION', text: expect.stringContaining('refusing branch name') },
      { step: 1, result: 'SKIPPED' },
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(basedir, 'b1', 'build'))).toBe(false);
  });

  it('refuses unsigned, tampered, misaddressed, expired and repeated jobs and runs none of them', async () => {
    const { master, scratch } = await setup('ex-refuse');
    const marker = (n: string) => join(scratch, n);
    const step = (n: string) => [{ type: 'shell' as const, command: `touch ${marker(n)}` }];

    const unsigned = await master.dispatch({ steps: step('unsigned') }, { unsigned: true });
    const tampered = await master.dispatch({ steps: [{ type: 'shell', command: 'true' }] }, {
      tamper: (p) => {
        p.steps = step('tampered');
      },
    });
    const idTampered = await master.dispatch({ steps: step('id') }, {
      tamper: (p) => {
        p.buildId = 999_999;
      },
    });
    const other = await master.dispatch({ executor: 'someone-else', steps: step('other') });
    const expired = await master.dispatch({ expiresAt: Date.now() - 1000, steps: step('expired') });
    const refused = [unsigned, tampered, idTampered, other, expired];
    for (const r of refused) {
      await master.waitFor((e) => e.type === 'job-refused' && e.jobId === r.jobId);
    }
    const reasons = master.events().filter((e) => e.type === 'job-refused').map((e) => (e as { reason: string }).reason);
    expect(reasons).toEqual([
      'malformed job: expected {payload, sig}',
      'bad signature',
      'bad signature',
      expect.stringContaining('"someone-else"'),
      expect.stringMatching(/^job expired/),
    ]);
    for (const r of refused) expect(await master.jobState(r.jobId)).toMatchObject({ state: 'failed', failedReason: expect.stringContaining('refused') });

    // The same build id twice: the first runs, the repeat is refused.
    const good = await master.dispatch({ steps: step('good') });
    await master.finished(good.payload.buildId);
    const again = await master.dispatch({ ...good.payload, steps: step('again') });
    await master.waitFor((e) => e.type === 'job-refused' && e.jobId === again.jobId);

    for (const n of ['unsigned', 'tampered', 'id', 'other', 'expired', 'again']) expect(existsSync(marker(n))).toBe(false);
    expect(existsSync(marker('good'))).toBe(true);
    expect(master.events().some((e) => 'buildId' in e && e.buildId === 999_999)).toBe(false);
    expect(master.buildEvents(tampered.payload.buildId)).toEqual([]);
  });

  it('halts on a halting failure, skips later steps, and combines results by flags', async () => {
    const { master, scratch } = await setup();
    const marker = join(scratch, 'after-halt');
    const { payload } = await master.dispatch({
      steps: [
        { type: 'shell', name: 'lint', command: 'exit 1', flunkOnFailure: false, warnOnFailure: true },
        { type: 'shell', name: 'ignored', command: 'exit 1', flunkOnFailure: false },
        { type: 'shell', name: 'compile', command: 'echo oops >&2; exit 3', haltOnFailure: true },
        { type: 'shell', name: 'after', command: `touch ${marker}` },
      ],
    });
    expect(await master.finished(payload.buildId)).toMatchObject({ result: 'FAILURE', text: 'failed lint, compile' });
    const evs = master.buildEvents(payload.buildId);
    expect(evs.filter((e) => e.type === 'step-finished')).toMatchObject([
      { step: 0, result: 'FAILURE', text: 'exit 1' },
      { step: 1, result: 'FAILURE', text: 'exit 1' },
      { step: 2, result: 'FAILURE', text: 'exit 3' },
      { step: 3, result: 'SKIPPED', text: 'skipped' },
    ]);
    expect(evs.filter((e) => e.type === 'step-started').map((e) => (e as { name: string }).name)).toEqual(['lint', 'ignored', 'compile']);
    expect(logText(evs, 2, 'stderr')).toBe('oops\n');
    expect(existsSync(marker)).toBe(false);
  });

  it('makes a missing property or an escaping workdir an EXCEPTION', async () => {
    const { master } = await setup();
    const a = await master.dispatch({ steps: [{ type: 'shell', command: 'echo %(prop:nope)' }, { type: 'shell', command: 'true' }] });
    expect(await master.finished(a.payload.buildId)).toMatchObject({ result: 'EXCEPTION' });
    expect(master.buildEvents(a.payload.buildId).filter((e) => e.type === 'step-finished')).toMatchObject([
      { result: 'EXCEPTION', text: expect.stringContaining('property "nope" is not set') },
      { result: 'SKIPPED' },
    ]);
    const b = await master.dispatch({ steps: [{ type: 'shell', command: 'true', workdir: '../../etc' }] });
    expect(await master.finished(b.payload.buildId)).toMatchObject({ result: 'EXCEPTION' });
    expect(master.buildEvents(b.payload.buildId).find((e) => e.type === 'step-finished')).toMatchObject({ text: expect.stringContaining('leads outside') });
  });

  it('kills the whole process tree on timeout, escalating to SIGKILL', async () => {
    const { master, basedir } = await setup();
    const script = [
      'sleep 1000 & echo $! > bg.pid',
      `sh -c 'trap "" TERM; echo $$ > stubborn.pid; exec sleep 1000' &`,
      'sleep 1000',
    ].join('\n');
    const { payload } = await master.dispatch({ steps: [{ type: 'shell', name: 'hang', command: script, timeoutSec: 1 }] });
    expect(await master.finished(payload.buildId)).toMatchObject({ result: 'FAILURE' });
    expect(master.buildEvents(payload.buildId).find((e) => e.type === 'step-finished')).toMatchObject({ result: 'FAILURE', text: 'timed out after 1s' });
    const dir = join(basedir, 'b1', 'build');
    const pids = ['bg.pid', 'stubborn.pid'].map((f) => Number(readFileSync(join(dir, f), 'utf8').trim()));
    for (const pid of pids) expect(pid).toBeGreaterThan(1);
    // SIGKILL comes killGraceMs (500 ms) after SIGTERM.
    await waitFor('the whole process tree to be gone', () => !pids.some(alive), 5000);
  });

  it('times out a hanging git (the operator GIT_SSH_COMMAND reaches git) and halts the build', async () => {
    const { master } = await setup();
    const prev = process.env.GIT_SSH_COMMAND;
    process.env.GIT_SSH_COMMAND = 'sh -c "sleep 4" --';
    try {
      const { payload } = await master.dispatch({
        sourcestamp: { repository: 'ssh://git.invalid/repo.git', branch: 'main', project: 'p' },
        steps: [{ type: 'checkout', timeoutSec: 1 }, { type: 'shell', command: 'true' }],
      });
      // Ended by the step's 1 s timeout (the text says so), not by git giving up after 4 s.
      expect(await master.finished(payload.buildId)).toMatchObject({ result: 'FAILURE', text: 'failed checkout' });
      expect(master.buildEvents(payload.buildId).filter((e) => e.type === 'step-finished')).toMatchObject([
        { result: 'FAILURE', text: 'timed out after 1s' },
        { result: 'SKIPPED' },
      ]);
    } finally {
      if (prev === undefined) delete process.env.GIT_SSH_COMMAND;
      else process.env.GIT_SSH_COMMAND = prev;
    }
  });
});
