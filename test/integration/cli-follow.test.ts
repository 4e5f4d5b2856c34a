import { afterEach, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { ROOT, waitFor } from '../harness/bb.js';

const run = promisify(execFile);

const config = `{
  redis: { prefix: 'PREFIX' },
  basedir: 'BASEDIR',
  executors: [{ name: 'a', secret: '${SECRET_A}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [
    { type: 'shell', name: 'prepare', command: 'echo ready' },
    { type: 'shell', name: 'work', command: 'for i in 1 2 3 4 5 6; do echo line$i; sleep 0.7; done' },
  ] }],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
}`;

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
    const seenAt: number[] = [];
    follow.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      seenAt.push(Date.now());
    });
    const exited = new Promise<number | null>((r) => follow.on('exit', r));
    const status = await run(process.execPath, ['bin/bb.js', 'status', 'linux'], { cwd: ROOT, env });
    expect(status.stdout).toMatch(/running #1 running \(work\) at HEAD on a/);
    const code = await exited;
    expect(code).toBe(0);
    // The step's header (command, directory, timeout), its output as it came, its exit, then the result.
    expect(out).toMatch(/^for i in 1 2 3 4 5 6; do echo line\$i; sleep 0.7; done\nin \. \(of the build directory\)\ntimeout 1200s\n/);
    expect(out).toMatch(/line1\nline2\nline3\nline4\nline5\nline6\nexit 0\n--- linux #1: SUCCESS ---\n$/);
    // It streamed: output arrived in several pieces over the build, not all at the end.
    expect(seenAt.length).toBeGreaterThan(2);
    expect(seenAt[seenAt.length - 1]! - seenAt[0]!).toBeGreaterThan(500);
  });
});
