import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { ExecutorEvent } from '../../src/queue/jobs.js';
import { logText, useRigs } from './executor-fixture.js';

const { setup, repo } = useRigs();
const types = (evs: ExecutorEvent[]) => evs.map((e) => e.type);

const JUNIT = `<?xml version="1.0"?>
<testsuites><testsuite name="calc"><testcase classname="calc.Add" name="adds" time="0.01"/><testcase classname="calc.Div" name="divides"><failure message="divide by zero"/></testcase></testsuite></testsuites>`;

describe('executor builds', () => {
  it('says hello, heartbeats, and runs checkout and shell steps at the requested revision', async () => {
    const { master, executor, basedir } = await setup();
    const src = repo();
    const first = src.commit('Alice <alice@example.org>', { 'file.txt': 'one\n' });
    src.commit('Bob <bob@example.org>', { 'file.txt': 'two\n' });

    const hello = await master.waitFor((e) => e.type === 'hello');
    expect(hello).toMatchObject({ type: 'hello', slots: 2, running: [] });
    expect(master.messages[0]?.session).toBe(executor.session);

    const { payload } = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: 'main', revision: first, project: 'p' },
      properties: { greeting: 'hi' },
      steps: [
        { type: 'checkout' },
        { type: 'shell', name: 'show', command: 'cat file.txt; echo "rev=$BB_GOT_REVISION prop=%(prop:got_revision) %(prop:greeting) %(prop:none:-dflt) $BB_BUILDER#$BB_BUILD_NUMBER"' },
        { type: 'shell', name: 'argv', command: ['printf', '%s|', 'a b', '%(prop:greeting)'], workdir: 'sub/dir' },
        { type: 'shell', name: 'tests', command: `mkdir -p out && printf '%s' '${JUNIT}' > out/junit.xml`, workdir: '.', env: { X: '%(prop:greeting)' }, testResults: { format: 'junit', path: 'out/junit.xml' } },
      ],
    }, {});
    const done = await master.finished(payload.buildId);
    const evs = master.buildEvents(payload.buildId);
    expect(done).toMatchObject({ result: 'FAILURE', text: 'failed tests', token: payload.token });
    expect(evs[0]).toMatchObject({ type: 'build-started', token: payload.token });

    const props = evs.find((e) => e.type === 'properties');
    expect(props).toMatchObject({ properties: { got_revision: first } });
    expect(logText(evs, 1, 'stdout')).toBe(`one\nrev=${first} prop=${first} hi dflt b1#1\n`);
    expect(logText(evs, 1, 'header')).toContain('cat file.txt');
    expect(logText(evs, 2, 'stdout')).toBe('a b|hi|');
    expect(logText(evs, 2, 'header')).toContain('in sub/dir (of the build directory)');
    expect(logText(evs, 2, 'header')).not.toContain(basedir); // no absolute work directory in logs

    const tests = evs.find((e) => e.type === 'tests');
    expect(tests).toMatchObject({
      step: 3,
      tests: [
        { suite: 'calc.Add', name: 'adds', outcome: 'pass', durationMs: 10 },
        { suite: 'calc.Div', name: 'divides', outcome: 'fail', message: 'divide by zero' },
      ],
    });
    const finishedSteps = evs.filter((e) => e.type === 'step-finished');
    expect(finishedSteps.map((e) => e.result)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE']);
    expect(finishedSteps[3]).toMatchObject({ text: '1 of 2 tests failed' });
    expect(types(evs).filter((t) => t === 'step-started')).toHaveLength(4);

    // A few messages, not one per event.
    expect(master.messages.length).toBeLessThan(evs.length);
    await master.waitFor((e) => e.type === 'heartbeat' && e.running.length === 0);
    expect(master.badSignatures).toBe(0);
  });

  it('builds the branch tip without a revision, and applies patches (level, subdir), resetting between builds', async () => {
    const { master } = await setup();
    const src = repo();
    src.commit('Alice <a@x>', { 'file.txt': 'base\n', 'sub/inner.txt': 'inner\n' });
    const tip = src.commit('Alice <a@x>', { 'file.txt': 'tip\n' });
    const patch1 = ['--- a/file.txt', '+++ b/file.txt', '@@ -1 +1 @@', '-tip', '+patched', ''].join('\n');
    const b1 = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: 'main', project: 'p', patch: { body: patch1, level: 1 } },
      steps: [{ type: 'checkout' }, { type: 'shell', command: 'cat file.txt' }],
    });
    expect(await master.finished(b1.payload.buildId)).toMatchObject({ result: 'SUCCESS' });
    const e1 = master.buildEvents(b1.payload.buildId);
    expect(e1.find((e) => e.type === 'properties')).toMatchObject({ properties: { got_revision: tip } });
    expect(logText(e1, 1, 'stdout')).toBe('patched\n');

    const patch2 = ['--- inner.txt', '+++ inner.txt', '@@ -1 +1 @@', '-inner', '+inner patched', ''].join('\n');
    const b2 = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: 'main', project: 'p', patch: { body: patch2, level: 0, subdir: 'sub' } },
      steps: [{ type: 'checkout' }, { type: 'shell', command: 'cat file.txt sub/inner.txt' }],
    });
    expect(await master.finished(b2.payload.buildId)).toMatchObject({ result: 'SUCCESS' });
    expect(logText(master.buildEvents(b2.payload.buildId), 1, 'stdout')).toBe('tip\ninner patched\n');

    const bad = await master.dispatch({
      sourcestamp: { repository: src.dir, branch: 'main', project: 'p', patch: { body: patch1.replace('-tip', '-nope'), level: 1 } },
      steps: [{ type: 'checkout' }, { type: 'shell', command: 'true' }],
    });
    expect(await master.finished(bad.payload.buildId)).toMatchObject({ result: 'FAILURE' });
    const eb = master.buildEvents(bad.payload.buildId).filter((e) => e.type === 'step-finished');
    expect(eb).toMatchObject([{ result: 'FAILURE', text: 'patch did not apply' }, { result: 'SKIPPED' }]);
  });

  it('without a branch builds the remote HEAD or a revision from any branch; git errors are EXCEPTION', async () => {
    const { master } = await setup();
    const src = repo();
    const base = src.commit('Alice <a@x>', { 'f.txt': 'main\n' });
    src.git('checkout', '-q', '-b', 'topic');
    const topic = src.commit('Alice <a@x>', { 'f.txt': 'topic\n' });
    src.git('checkout', '-q', 'main');
    const got = async (sourcestamp: Record<string, unknown>) => {
      const { payload } = await master.dispatch({ sourcestamp: { repository: src.dir, project: 'p', ...sourcestamp }, steps: [{ type: 'checkout' }] });
      const done = await master.finished(payload.buildId);
      const evs = master.buildEvents(payload.buildId);
      const props = evs.find((e) => e.type === 'properties') as { properties: { got_revision?: string } } | undefined;
      return { result: done.result, rev: props?.properties.got_revision, step: evs.find((e) => e.type === 'step-finished') };
    };
    expect(await got({})).toMatchObject({ result: 'SUCCESS', rev: base });
    expect(await got({ revision: topic.slice(0, 10) })).toMatchObject({ result: 'SUCCESS', rev: topic });
    expect(await got({ branch: 'topic' })).toMatchObject({ result: 'SUCCESS', rev: topic });
    expect(await got({ branch: 'main', revision: 'f'.repeat(40) })).toMatchObject({ result: 'EXCEPTION', step: { text: expect.stringContaining('not found') } });
    expect(await got({ branch: 'no-such-branch' })).toMatchObject({ result: 'EXCEPTION', rev: undefined });
  });

  it('incremental keeps ignored files, full removes them, clobber clones afresh', async () => {
    const { master, basedir } = await setup();
    const src = repo();
    src.commit('Alice <a@x>', { '.gitignore': '*.o\n', 'a.c': 'int a;\n' });
    const tree = join(basedir, 'b1', 'build');
    const build = async (mode: 'incremental' | 'full' | 'clobber', command: string) => {
      const { payload } = await master.dispatch({
        sourcestamp: { repository: src.dir, branch: 'main', project: 'p' },
        steps: [{ type: 'checkout', mode }, { type: 'shell', command }],
      });
      expect(await master.finished(payload.buildId)).toMatchObject({ result: 'SUCCESS' });
      return logText(master.buildEvents(payload.buildId), 1, 'stdout');
    };
    await build('incremental', 'echo junk > a.o; echo new > untracked.txt; echo changed > a.c; touch .git/bb-marker');
    expect(await build('incremental', 'ls; cat a.c')).toBe('a.c\na.o\nint a;\n');
    expect(await build('full', 'ls; test -e .git/bb-marker && echo kept')).toBe('a.c\nkept\n');
    expect(await build('clobber', 'test -e .git/bb-marker && echo kept || echo fresh')).toBe('fresh\n');
    expect(existsSync(join(tree, 'a.c'))).toBe(true);
  });
});
