import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { spawnExecutor, waitFor, type Proc } from '../harness/bb.js';
import { JOB_VERSION, QUEUES } from '../../src/queue/jobs.js';
import { sign } from '../../src/queue/signing.js';
import { testConfig, type BuilderInput } from '../harness/config.js';

type Step = NonNullable<BuilderInput['steps']>[number];

const config = (steps: Step[], executorTimeout = 6) =>
  testConfig({
    executorTimeout, // 6: three heartbeats (spawned executors beat every 2 s)
    executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
    builders: [{ name: 'linux', executors: ['a', 'b'], steps }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
  });

describe('executors', () => {
  let fx: PipelineFixture;
  const procs: Proc[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    await fx?.close();
  });

  const spawnExec = (name: 'a' | 'b', secret: string) => {
    const p = spawnExecutor({ name, secret, redisUrl: fx.redisUrl, prefix: fx.prefix, basedir: join(fx.dir, `exec-${name}`) }, fx.dir);
    procs.push(p);
    return p;
  };

  it('kill -9 of an executor mid-build: the build ends as RETRY and runs again on the other executor', async () => {
    // The build waits for a file written after the kill: a fixed sleep could end before executor b
    // has started on a loaded machine, and then there is nothing to retry.
    fx = await PipelineFixture.create('kill', config([{ type: 'shell', name: 'work', command: 'while [ ! -f BASEDIR-go ]; do sleep 0.1; done; echo done' }]));
    await fx.startMaster();
    const a = spawnExec('a', SECRET_A);
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const first = await waitFor('the build to start on a', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'running' ? b : null;
    });
    expect(first.executor).toBe('a');
    const b = spawnExec('b', SECRET_B);
    await waitFor('executor b to connect', async () => (await fx.store.getExecutor('b'))?.state === 'connected');
    await a.kill('SIGKILL');
    writeFileSync(join(fx.dir, 'master-go'), '');

    const [retried, rerun] = await waitFor(
      'the retry to succeed elsewhere',
      async () => {
        const builds = await fx.builds('linux');
        return builds.length === 2 && builds[1]!.state === 'finished' ? builds : null;
      },
      60_000,
    );
    expect(retried!.result).toBe('RETRY');
    expect(retried!.text).toMatch(/executor lost/);
    expect(rerun!.result).toBe('SUCCESS');
    expect(rerun!.executor).toBe('b');
    expect(rerun!.requestId).toBe(retried!.requestId);
    // The BuildSet settles just after its last build is written.
    const bs = await waitFor('the buildset to complete', async () => {
      const x = await fx.store.getBuildSet(rerun!.buildsetId);
      return x?.completeAt ? x : null;
    });
    expect(bs.result).toBe('SUCCESS');

    // The lost executor's late result (signed with its real secret, old token) changes nothing.
    const conn = new Redis(fx.redisUrl, { maxRetriesPerRequest: null });
    const q = new Queue(QUEUES.executorEvents, { connection: conn, prefix: fx.prefix });
    const payload = {
      v: JOB_VERSION, executor: 'a', session: 'late-session-1', seq: 99, sentAt: Date.now(),
      events: [{ type: 'build-finished', buildId: retried!.id, token: retried!.token, result: 'SUCCESS' }],
    };
    await q.add('msg', { payload, sig: sign(payload, SECRET_A) });
    await waitFor('the late message to be handled', async () => {
      const n = await q.getJobCounts('completed', 'failed');
      return (n.completed ?? 0) + (n.failed ?? 0) === 1;
    });
    await fx.master!.settled();
    expect((await fx.store.getBuild(retried!.id))?.result).toBe('RETRY');
    await q.close();
    conn.disconnect();
    await b.kill();
  }, 120_000);

  it('an executor with the wrong secret is never registered and receives nothing', async () => {
    fx = await PipelineFixture.create('badsecret', config([{ type: 'shell', command: 'touch should-not-exist' }]));
    await fx.startMaster();
    spawnExec('a', 'this-is-not-the-right-secret');
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const refused = await waitFor('the rogue executor to be refused', async () => (await fx.store.executors.refused(['a'])).get('a'), 15_000);
    expect(refused.reason).toMatch(/secret|signature/i);
    await fx.master!.settled();
    expect(await fx.store.getExecutor('a')).toBeNull();
    expect(await fx.builds('linux')).toHaveLength(0);
    expect(await fx.store.pendingCount(fx.master!.config.builders.map((b) => b.name))).toBe(1);
  });

  it('an executor stopped with hand-back returns its build, which then runs elsewhere', async () => {
    fx = await PipelineFixture.create('handback', config([{ type: 'shell', name: 'work', command: 'sleep 3' }]));
    await fx.startMaster();
    const a = spawnExec('a', SECRET_A);
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await waitFor('the build to run', async () => (await fx.builds('linux'))[0]?.state === 'running');
    // First signal: finish running builds; a second one hands them back.
    a.child.kill('SIGTERM');
    await waitFor('executor a to be stopping', async () => (await fx.store.getExecutor('a'))?.state === 'stopping');
    a.child.kill('SIGTERM');
    await a.exited;
    const [first] = await waitFor('the handed-back build', async () => {
      const builds = await fx.builds('linux');
      return builds[0]?.state === 'finished' ? builds : null;
    });
    expect(first!.result).toBe('RETRY');
    expect((await fx.store.getExecutor('a'))?.state).toBe('offline');
    spawnExec('b', SECRET_B);
    const [, second] = await waitFor('the rerun on b', async () => {
      const builds = await fx.builds('linux');
      return builds[1]?.state === 'finished' ? builds : null;
    }, 30_000);
    expect(second!.executor).toBe('b');
    expect(second!.result).toBe('SUCCESS');
  });

  it('an executor told to stop finishes its running build first', async () => {
    fx = await PipelineFixture.create('graceful', config([{ type: 'shell', name: 'work', command: 'sleep 1.5; echo finished' }]));
    await fx.startMaster();
    const a = spawnExec('a', SECRET_A);
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await waitFor('the build to run', async () => (await fx.builds('linux'))[0]?.state === 'running');
    await a.kill('SIGTERM');
    const [build] = await waitFor('the build to finish', async () => {
      const builds = await fx.builds('linux');
      return builds[0]?.state === 'finished' ? builds : null;
    });
    expect(build!.result).toBe('SUCCESS');
    await waitFor('executor a to be offline', async () => (await fx.store.getExecutor('a'))?.state === 'offline');
  });

  it('an executor restarted mid-build reports it: the old build is retried at once, not after the timeout', async () => {
    fx = await PipelineFixture.create('restart', config([{ type: 'shell', name: 'work', command: 'sleep 1.5; echo done' }], 60));
    await fx.startMaster();
    const first = spawnExec('a', SECRET_A);
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    const session1 = (await fx.store.getExecutor('a'))!.session;
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    await waitFor('the build to run', async () => (await fx.builds('linux'))[0]?.state === 'running');
    await first.kill('SIGKILL');
    spawnExec('a', SECRET_A);
    const [old, again] = await waitFor('the retry on the restarted executor', async () => {
      const builds = await fx.builds('linux');
      return builds.length === 2 && builds[1]!.state === 'finished' ? builds : null;
    }, 30_000);
    expect(old).toMatchObject({ result: 'RETRY', text: 'executor restarted', executor: 'a' });
    expect(again).toMatchObject({ result: 'SUCCESS', executor: 'a' });
    // 'executor restarted', not lost by the 60 s timeout: the new session's hello is what told the master.
    expect((await fx.store.getExecutor('a'))!.session).not.toBe(session1);
  });
});
