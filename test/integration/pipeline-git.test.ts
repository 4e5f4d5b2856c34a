import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { makeRepo, type TestRepo } from '../harness/git.js';
import { InputError } from '../../src/queue/client.js';
import { testConfig } from '../harness/config.js';

const run = promisify(execFile);

const JUNIT = `<?xml version="1.0"?>
<testsuite name="sample" tests="2">
  <testcase classname="sample.parser" name="parses_empty"/>
  <testcase classname="sample.net" name="reconnects"/>
</testsuite>`;

function config(repo: TestRepo) {
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
    builders: [{
      name: 'linux', executors: ['a'],
      steps: [
        { type: 'checkout' },
        { type: 'shell', name: 'build', command: 'cat VERSION && echo "built %(prop:got_revision)"' },
        { type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml'], testResults: { format: 'junit', path: 'out.xml' } },
      ],
    }],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.5, builders: ['linux'] },
      { type: 'force', name: 'force', builders: ['linux'] },
    ],
  });
}

describe('commits to builds', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('the poller turns commits by two authors into one build that checks out the newest revision', async () => {
    const repo = makeRepo();
    repo.commit('Brian Warner <warner@example.org>', { VERSION: '1\n', 'results.xml': JUNIT }, 'initial');
    fx = await PipelineFixture.create('git', config(repo));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    // The first poll only remembers where the branch is.
    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head());
    repo.commit('Brian Warner <warner@example.org>', { VERSION: '2\n' }, 'bump to 2');
    const tip = repo.commit('Zooko Wilcox <zooko@example.org>', { 'src/x.c': 'int x;\n' }, 'add x');

    const build = await waitFor('the build', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(build.result).toBe('SUCCESS');
    expect(build.properties.got_revision).toBe(tip);
    expect(build.blamelist).toEqual(['Brian Warner <warner@example.org>', 'Zooko Wilcox <zooko@example.org>']);
    const changes = await fx.store.getChanges(build.sourcestamp.changeIds);
    expect(changes.map((c) => c.comments.trim())).toEqual(['bump to 2', 'add x']);
    expect(changes[1]!.files).toEqual(['src/x.c']);
    const log = (await fx.store.readLog(build.id, 1)).chunks.map((c) => c.text).join('');
    expect(log).toContain(`built ${tip}`);
    expect(build.tests).toEqual({ total: 2, failed: 0, skipped: 0 });
    const tests = await fx.store.getTests(build.id);
    expect(tests.map((t) => `${t.suite}.${t.name}`).sort()).toEqual(['sample.net.reconnects', 'sample.parser.parses_empty']);

    // What a person sees from the command line.
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const status = await run(process.execPath, ['bin/bb.js', 'status', 'linux'], { cwd: ROOT, env });
    expect(status.stdout).toContain('linux [supported]');
    expect(status.stdout).toMatch(new RegExp(`#1 SUCCESS at ${tip.slice(0, 12)} by Brian Warner, Zooko Wilcox`));
    const json = JSON.parse((await run(process.execPath, ['bin/bb.js', 'status', '--json'], { cwd: ROOT, env })).stdout);
    expect(json.builders[0].last[0].result).toBe('SUCCESS');
    expect(json.master.pid).toBe(process.pid);
    const logs = await run(process.execPath, ['bin/bb.js', 'logs', 'linux', '1', 'build'], { cwd: ROOT, env });
    expect(logs.stdout).toContain(`built ${tip}`);
  });

  it('a failing step fails the BuildSet at once and is shown with its step', async () => {
    const repo = makeRepo();
    repo.commit('Brian Warner <warner@example.org>', { VERSION: '1\n' }, 'initial, without results.xml');
    fx = await PipelineFixture.create('fail', config(repo));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const build = await waitFor('the build', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(build.result).toBe('FAILURE');
    expect(build.steps.map((s) => s.result)).toEqual(['SUCCESS', 'SUCCESS', 'FAILURE']);
    // The BuildSet settles just after its build is written: first failure, then complete.
    const bs = await waitFor('the buildset to complete', async () => {
      const x = await fx.store.getBuildSet(build.buildsetId);
      return x?.completeAt ? x : null;
    });
    expect(bs.result).toBe('FAILURE');
    expect(bs.failedAt).toBeGreaterThanOrEqual(build.finishedAt!);
    expect(bs.failedAt).toBeLessThanOrEqual(bs.completeAt!);
  });

  it('refuses a branch name that git would read as an option, from every entrance', async () => {
    const repo = makeRepo();
    repo.commit('Brian Warner <warner@example.org>', { VERSION: '1\n' }, 'initial');
    fx = await PipelineFixture.create('inject', config(repo));
    await fx.startMaster();
    await expect(fx.client.sendChange({ author: 'mallory', branch: '--upload-pack=touch /tmp/pwned' })).rejects.toBeInstanceOf(InputError);
    const res = await fx.client.control<{ error?: string }>({ v: 1, type: 'force', builders: ['linux'], owner: 'test', branch: '--upload-pack=x' });
    expect(res.error).toMatch(/branch/);
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const cli = await run(process.execPath, ['bin/bb.js', 'force', 'linux', '--branch=--upload-pack=x'], { cwd: ROOT, env }).catch((e: { code: number; stderr: string }) => e);
    expect((cli as { code: number }).code).not.toBe(0);
    expect((cli as { stderr: string }).stderr).toMatch(/branch/);
    expect(await fx.builds('linux')).toHaveLength(0);
  });
});
