import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';

const run = promisify(execFile);

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [
    { type: 'shell', name: 'prepare', command: 'echo ready' },
    { type: 'shell', name: 'work', command: 'echo line1; echo line2; while [ ! -f BASEDIR/go ]; do sleep 0.05; done; echo line3' },
  ] }],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
});

describe('the command line while a build runs', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('bb status shows the running step, and bb logs --follow streams until the build ends', async () => {
    fx = await PipelineFixture.create('follow', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await waitFor('the work step', async () => (await fx.builds('linux'))[0]?.currentStep === 1);
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };

    const follow = spawn(process.execPath, ['bin/bb.js', 'logs', 'linux', '1', 'work', '--follow'], { cwd: ROOT, env });
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => follow.on('exit', r));
    // The step waits for the test's go file: however slow the machine, it is running while we look.
    const status = await run(process.execPath, ['bin/bb.js', 'status', 'linux'], { cwd: ROOT, env });
    expect(status.stdout).toMatch(/running #1 running \(work\) at HEAD on a/);
    // It streams: the first lines arrive while the step still waits.
    await waitFor('the first lines streamed', () => out.includes('line2\n'));
    expect(out).not.toMatch(/^line3$/m);
    const basedir = join(fx.dir, 'master');
    mkdirSync(basedir, { recursive: true });
    writeFileSync(join(basedir, 'go'), '');
    const code = await exited;
    expect(code).toBe(0);
    // The step's header (command, directory, timeout), its output as it came, its exit, then the result.
    expect(out).toMatch(/^echo line1; echo line2; while \[ ! -f .*\/go \]; do sleep 0\.05; done; echo line3\nin \. \(of the build directory\)\ntimeout 1200s\n/);
    expect(out).toMatch(/line1\nline2\nline3\nexit 0\n--- linux #1: SUCCESS ---\n$/);
  });
});
