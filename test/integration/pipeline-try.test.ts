import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { makeRepo, type TestRepo } from '../harness/git.js';
import { MAX_TRY_PATCH_BYTES } from '../../src/process/try.js';
import { testConfig } from '../harness/config.js';

const ME = `cli:${userInfo().username}`;

function config(repo: TestRepo) {
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0 }],
    builders: [
      { name: 'linux', executors: ['a'], steps: [
        { type: 'checkout' },
        { type: 'shell', name: 'show', command: 'cat greeting.txt' },
        { type: 'shell', name: 'check', command: '! grep -q broken greeting.txt' },
      ] },
      { name: 'mac', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] },
    ],
    schedulers: [
      { type: 'try', name: 'try', builders: ['linux'], allowedUsers: ['alice', ME] },
    ],
  });
}

/** A change to greeting.txt as `git diff` prints it, made in a work tree of the repository and undone. */
function diffOf(repo: TestRepo, greeting: string): string {
  writeFileSync(join(repo.dir, 'greeting.txt'), greeting);
  const diff = repo.git('diff');
  repo.git('checkout', '--', 'greeting.txt');
  return `${diff}\n`;
}

/** Run `bb <args>` with `input` on its standard input. */
function bb(fx: PipelineFixture, args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/bb.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('try', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('builds a real patch on a real repository; --wait prints the result and exits 0, or 1 when it fails', async () => {
    const repo = makeRepo();
    const base = repo.commit('Brian Warner <warner@example.org>', { 'greeting.txt': 'hello\n' }, 'initial');
    fx = await PipelineFixture.create('try', config(repo));
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);

    const good = await bb(fx, ['try', '--builder', 'linux', '--patch', '-', '--wait', '--timeout', '45', '--reason', 'does it build?'], diffOf(repo, 'hello from a try build\n'));
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/try buildset 1 queued for linux \(owner cli:/);
    expect(good.stdout).toMatch(/linux #1 SUCCESS at [0-9a-f]{10}/);
    expect(good.stdout).toContain('try buildset 1: SUCCESS');
    const [build] = await fx.builds('linux');
    expect(build!.properties).toMatchObject({ owner: ME, got_revision: base });
    expect(build!.sourcestamp.patch).toMatchObject({ level: 1 });
    expect(build!.steps[0]!.text).toMatch(/\+ patch/);
    const shown = (await fx.store.readLog(build!.id, 1)).chunks.map((c) => c.text).join('');
    expect(shown).toContain('hello from a try build');
    expect((await fx.store.getBuildSet(1))!.reason).toBe(`try by ${ME}: does it build?`);
    // The repository itself is untouched.
    expect(repo.git('status', '--porcelain')).toBe('');

    // A patch file, another submitter named with --who, and a failing result: exit code 1.
    const file = join(fx.dir, 'broken.diff');
    writeFileSync(file, diffOf(repo, 'broken\n'));
    const bad = await bb(fx, ['try', '--builder', 'linux', '--patch', file, '--who', 'alice', '--branch', 'main', '--revision', base, '--wait']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/linux #2 FAILURE in check/);
    expect(bad.stdout).toContain('try buildset 2: FAILURE');
    expect(bad.stderr).toContain('bb: try buildset 2 ended FAILURE');
    const [, second] = await fx.builds('linux');
    expect(second!.properties.owner).toBe('alice');
    expect(second!.sourcestamp.revision).toBe(base);
  });

  it('is refused for a user the try scheduler does not allow, and for bad input', async () => {
    const repo = makeRepo();
    repo.commit('Brian Warner <warner@example.org>', { 'greeting.txt': 'hello\n' }, 'initial');
    fx = await PipelineFixture.create('trybad', config(repo));
    await fx.startMaster();
    const patch = diffOf(repo, 'hi\n');

    const mallory = await bb(fx, ['try', '--builder', 'linux', '--who', 'mallory', '--patch', '-', '--wait'], patch);
    expect(mallory.code).toBe(1);
    expect(mallory.stderr).toBe('bb: try refused: "mallory" may not submit try builds to "try": ask for "mallory" to be added to its allowedUsers\n');

    const ask = (req: Record<string, unknown>) =>
      fx.client.control<{ error?: string }>({ v: 1, type: 'try', builders: ['linux'], owner: 'alice', patch: { body: patch, level: 1 }, ...req });
    expect((await ask({ builders: ['linx'] })).error).toBe('unknown builder "linx" (known: linux, mac)');
    expect((await ask({ builders: ['mac'] })).error).toBe('no try scheduler lists mac');
    expect((await ask({ branch: '--upload-pack=x' })).error).toMatch(/^branch: not a valid branch name/);
    expect((await ask({ revision: 'HEAD~1' })).error).toMatch(/^revision: a revision is a hex commit id/);
    expect((await ask({ patch: { body: 'just some text\n', level: 1 } })).error).toMatch(/not a unified diff/);
    expect((await ask({ patch: { body: `${patch}${'+'.repeat(MAX_TRY_PATCH_BYTES)}\n`, level: 1 } })).error).toMatch(/the limit is 1048576/);
    expect((await ask({ patch: { body: patch, level: 1, subdir: '../outside' } })).error).toMatch(/^patch\.subdir:/);

    // The CLI checks what it can before sending anything.
    const empty = await bb(fx, ['try', '--builder', 'linux', '--patch', '-'], '');
    expect(empty).toMatchObject({ code: 2, stderr: 'bb: the patch is empty\n' });
    const noBuilder = await bb(fx, ['try', '--patch', '-'], patch);
    expect(noBuilder).toMatchObject({ code: 2, stderr: 'bb: name at least one builder with --builder\n' });
    // A try scheduler switched off takes nothing until it is switched on again.
    await fx.store.schedulers.switch({ scheduler: 'try', enabled: false, by: 'test', at: Date.now() });
    expect((await ask({})).error).toBe('try scheduler "try" is switched off (bb scheduler enable try)');
    expect(await fx.store.lastBuildSetId()).toBe(0);
  });
});
