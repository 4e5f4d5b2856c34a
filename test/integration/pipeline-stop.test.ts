import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { processAlive, waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [
      { type: 'shell', name: 'long', command: 'sleep 300 & echo $! > child.pid; wait' },
      { type: 'shell', name: 'after', command: 'echo never' },
    ] },
    { name: 'mac', executors: ['a'], steps: [{ type: 'shell', name: 'long', command: 'sleep 2' }] },
  ],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac'] }],
});


describe('stop build', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('stops only the named build: its processes die, it ends CANCELLED and is not retried', async () => {
    fx = await PipelineFixture.create('stop', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A, 2);
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await fx.client.control({ v: 1, type: 'force', builders: ['mac'], owner: 'test' });
    const pidFile = join(fx.dir, 'executor-a', 'linux', 'build', 'child.pid');
    await waitFor('the long step to start its child', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(pid)).toBe(true);

    const res = await fx.client.control<{ number: number; how: string }>({ v: 1, type: 'stop', builder: 'linux', owner: 'warner', reason: 'wrong branch' });
    expect(res).toMatchObject({ number: 1, how: 'stopping' });
    const [build] = await waitFor('the build to end', async () => {
      const b = await fx.builds('linux');
      return b[0]?.state === 'finished' ? b : null;
    });
    expect(build!.result).toBe('CANCELLED');
    expect(build!.text).toBe('stopped by warner: wrong branch');
    expect(build!.steps.map((s) => s.result)).toEqual(['CANCELLED', 'SKIPPED']);
    await waitFor('the step process tree to be gone', () => !processAlive(pid), 10_000);
    const req = await waitFor('its request to complete', async () => {
      const r = await fx.store.getRequest(build!.requestId);
      return r?.state === 'complete' ? r : null;
    });
    expect(req.result).toBe('CANCELLED');
    // The other build on the same executor carries on to success, and nothing is retried.
    const [mac] = await waitFor('mac to finish', async () => {
      const b = await fx.builds('mac');
      return b[0]?.state === 'finished' ? b : null;
    });
    expect(mac!.result).toBe('SUCCESS');
    expect(await fx.builds('linux')).toHaveLength(1);
  });

  it('explains what it cannot stop', async () => {
    fx = await PipelineFixture.create('stopbad', config);
    await fx.startMaster();
    const ask = (req: Record<string, unknown>) => fx.client.control<{ error?: string }>({ v: 1, type: 'stop', owner: 'warner', ...req });
    expect((await ask({ builder: 'linux' })).error).toBe('linux has no running build');
    expect((await ask({ builder: 'linux', number: 7 })).error).toBe('linux has no build #7');
    expect((await ask({ builder: 'linx' })).error).toBe('unknown builder "linx" (known: linux, mac)');
  });
});
