import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { recordingLogger, startMasterWith } from '../harness/master-with.js';
import { ROOT, spawnExecutor, waitFor, type Proc } from '../harness/bb.js';
import { testConfig, type BuilderInput, type TestConfig } from '../harness/config.js';
import { jobListTakenKey, jobListWaitKey } from '../../src/queue/job-list.js';
import { executorEventsStreamKey, STREAM_FIELD } from '../../src/queue/event-stream.js';
import type { Build } from '../../src/model/build.js';

const run = promisify(execFile);

type Step = NonNullable<BuilderInput['steps']>[number];

const config = (steps: Step[], more: Partial<TestConfig> = {}) =>
  testConfig({
    executorTimeout: 60,
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    ...more,
  });

/** Each build appends a line to this file: how often a build really ran. */
const countRuns: Step[] = [{ type: 'shell', name: 'work', command: 'echo run >> BASEDIR-runs; echo done' }];

describe('trust between the master and executors', () => {
  let fx: PipelineFixture;
  const procs: Proc[] = [];
  const conns: Redis[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    for (const c of conns.splice(0)) c.disconnect();
    await fx?.close();
  });

  let spawned = 0;
  const spawnExec = (secret: string, label = 'a') => {
    // Each process logs to a file of its own.
    const logDir = join(fx.dir, `logs-${++spawned}`);
    mkdirSync(logDir);
    const p = spawnExecutor({ name: 'a', secret, redisUrl: fx.redisUrl, prefix: fx.prefix, basedir: join(fx.dir, `exec-${label}`) }, logDir);
    procs.push(p);
    return p;
  };
  const redis = () => {
    const c = new Redis(fx.redisUrl);
    conns.push(c);
    return c;
  };
  const force = () => fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
  const finished = (n: number, timeoutMs = 60_000) =>
    waitFor(`${n} finished builds`, async () => {
      const builds = await fx.builds('linux');
      return builds.filter((b) => b.state === 'finished').length >= n ? builds : null;
    }, timeoutMs);
  const runs = () => (existsSync(join(fx.dir, 'master-runs')) ? readFileSync(join(fx.dir, 'master-runs'), 'utf8').split('\n').filter(Boolean).length : 0);

  it('a process with a wrong secret under a real name takes no job; it is reported in the log and in bb status', async () => {
    fx = await PipelineFixture.create('wrongsecret', config(countRuns));
    const { logger, lines } = recordingLogger();
    await startMasterWith(fx, { logger });
    spawnExec(SECRET_A, 'good');
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    const stale = spawnExec('a-stale-secret-0123456789', 'stale');
    await waitFor('the stale process to be refused', async () => (await fx.store.executors.refused(['a'])).get('a'));
    // Both processes are up and listening; every build must still go to the one with the secret.
    for (let i = 0; i < 6; i++) await force();
    const builds = await finished(6);
    expect(builds.map((b) => b.result)).toEqual(Array(6).fill('SUCCESS'));
    expect(runs()).toBe(6);
    expect(stale.log()).not.toContain('build accepted');
    await waitFor('the stale process to say why it takes no job', () => stale.log().includes('the master has not accepted this executor'), 30_000);

    const refused = (await fx.store.executors.refused(['a'])).get('a')!;
    expect(refused.reason).toContain('do not verify under the secret');
    expect(lines.some((l) => l.msg === 'executor process refused' && l.session === refused.session)).toBe(true);
    const env = { ...process.env, REDIS_URL: fx.redisUrl, BB_PREFIX: fx.prefix };
    const text = (await run(process.execPath, ['bin/bb.js', 'status', 'linux'], { cwd: ROOT, env })).stdout;
    expect(text).toContain(`executor a: refused a process on `);
    expect(text).toContain(`(session ${refused.session})`);
  }, 120_000);

  it('of two live processes with the secret the newer one is accepted, the older one stops and is reported', async () => {
    fx = await PipelineFixture.create('twolive', config(countRuns));
    await fx.startMaster();
    const older = spawnExec(SECRET_A, 'older');
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    const first = (await fx.store.getExecutor('a'))!.session;
    // The older process must have seen its acceptance before the newer one says hello: else, on a
    // busy machine, it says hello again later than the newer one and is (rightly) the one accepted.
    await waitFor('the older process to take jobs', () => older.log().includes('the master accepted this executor; taking jobs'), 60_000);
    spawnExec(SECRET_A, 'newer');
    await waitFor('the newer process to be accepted', async () => {
      const rec = await fx.store.getExecutor('a');
      return rec && rec.session !== first && rec.state === 'connected';
    });
    expect(await older.exited).toBe(3);
    expect(older.log()).toContain('another process under this executor name was accepted by the master after this one');
    const refused = await waitFor('the older process to be reported', async () => (await fx.store.executors.refused(['a'])).get('a'));
    expect(refused).toMatchObject({ session: first, reason: expect.stringContaining('replaced by a newer process') });
    await force();
    expect((await finished(1)).map((b) => b.result)).toEqual(['SUCCESS']);
  }, 120_000);

  it('a replayed signed hello, of the current or an earlier session, changes nothing', async () => {
    fx = await PipelineFixture.create('replay', config([{ type: 'shell', name: 'work', command: 'while [ ! -f BASEDIR-go ]; do sleep 0.1; done; echo done' }]));
    const events = redis();
    const stream = executorEventsStreamKey(fx.prefix, 'a');
    // Capture each process's signed hello from Redis (its event stream) before any master reads it.
    const hellos = async () => (await events.xrange(stream, '-', '+')).map(([, f]) => f[1]!).filter((m) => m.includes('"hello"')).map((m) => JSON.parse(m) as unknown);
    const p1 = spawnExec(SECRET_A, 'p1');
    const [hello1] = await waitFor('the first hello in Redis', async () => ((await hellos()).length === 1 ? hellos() : null));
    await p1.kill('SIGKILL');
    spawnExec(SECRET_A, 'p2');
    const both = await waitFor('the second hello in Redis', async () => ((await hellos()).length >= 2 ? hellos() : null));
    const hello2 = both.find((h) => JSON.stringify(h) !== JSON.stringify(hello1));
    await fx.startMaster();
    const session2 = (hello2 as { payload: { session: string } }).payload.session;
    await waitFor('the second process to be current', async () => {
      const rec = await fx.store.getExecutor('a');
      return rec?.session === session2 && rec.state === 'connected';
    });
    await force();
    const running = await waitFor('the build to run', async () => ((await fx.builds('linux'))[0]?.state === 'running' ? (await fx.builds('linux'))[0] : null));

    const replayed: string[] = [];
    for (const h of [hello1, hello2, hello1]) replayed.push((await events.xadd(stream, '*', STREAM_FIELD, JSON.stringify(h)))!);
    // The master deletes each entry once it has handled it.
    await waitFor('the replays to be read', async () => (await events.xrange(stream, replayed[0]!, '+')).length === 0);
    const rec = (await fx.store.getExecutor('a'))!;
    expect(rec).toMatchObject({ session: session2, state: 'connected' });
    expect((await fx.store.getBuild(running.id))!.state).toBe('running');

    writeFileSync(join(fx.dir, 'master-go'), '');
    const builds = await finished(1);
    expect(builds.map((b: Build) => [b.result, b.executor])).toEqual([['SUCCESS', 'a']]);
  }, 120_000);

  it('a signed build job replayed to the restarted executor does not run again', async () => {
    fx = await PipelineFixture.create('jobreplay', config(countRuns));
    await fx.startMaster();
    const p1 = spawnExec(SECRET_A, 'p1');
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    // Hold the process still so its job waits in Redis, where it is captured.
    p1.child.kill('SIGSTOP');
    await force();
    // The executor takes its jobs from its job list (src/queue/job-list.ts).
    const conn = redis();
    const wait = jobListWaitKey(fx.prefix, 'a');
    // (A take the process sent before it was stopped is still served by Redis: the job may be held already.)
    const [entry] = await waitFor('the job in Redis', async () => {
      const waiting = [...(await conn.lrange(wait, 0, -1)), ...(await conn.lrange(jobListTakenKey(fx.prefix, 'a'), 0, -1))];
      return waiting.length ? waiting : null;
    });
    p1.child.kill('SIGCONT');
    expect((await finished(1)).map((b) => b.result)).toEqual(['SUCCESS']);
    expect(runs()).toBe(1);

    await p1.kill('SIGTERM');
    const p2 = spawnExec(SECRET_A, 'p1');
    await waitFor('the restarted executor to be accepted', () => p2.log().includes('the master accepted this executor'), 30_000);
    await conn.lpush(wait, entry!);
    await waitFor('the replayed job to be refused', () => p2.log().includes('job is for session'), 30_000);
    await waitFor('the replayed job to leave the lists', async () => (await conn.llen(wait)) + (await conn.llen(jobListTakenKey(fx.prefix, 'a'))) === 0, 30_000);
    expect(runs()).toBe(1);
  }, 120_000);

  it('a secret rotated by a config reload: the old process takes no job, the new one runs it', async () => {
    fx = await PipelineFixture.create('rotate', config(countRuns));
    await startMasterWith(fx, { configFile: fx.configPath });
    const old = spawnExec(SECRET_A, 'old');
    await waitFor('the old process to be accepted', () => old.log().includes('the master accepted this executor'), 30_000);
    const NEW = 'rotated-secret-for-a-0123456789';
    fx.writeConfig(config(countRuns, { executors: [{ name: 'a', secret: NEW }] }));
    expect(await fx.master!.reload()).toMatchObject({ ok: true });
    await waitFor('the old process to stop taking jobs', () => old.log().includes('the master no longer vouches for this executor'), 30_000);
    await force();
    await waitFor('the old process to be refused', async () => (await fx.store.executors.refused(['a'])).get('a'), 30_000);
    expect(runs()).toBe(0);
    spawnExec(NEW, 'new');
    // A build handed to the old process meanwhile is retried when the new one says hello; none fails.
    const builds = await waitFor('a build to succeed', async () => {
      const all = await fx.builds('linux');
      return all.some((b) => b.result === 'SUCCESS') ? all : null;
    }, 60_000);
    expect(builds.every((b) => b.result === 'SUCCESS' || b.result === 'RETRY')).toBe(true);
    expect(runs()).toBe(1);
    expect(old.log()).not.toContain('build accepted');
  }, 120_000);

  it('a build its executor does not start in time goes back in line and runs later', async () => {
    fx = await PipelineFixture.create('unstarted', config(countRuns, { startTimeout: 2 }));
    await fx.startMaster();
    const p = spawnExec(SECRET_A, 'p');
    await waitFor('executor a to connect', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    // A process that holds the name and takes nothing (stopped; within the 60 s heartbeat timeout).
    p.child.kill('SIGSTOP');
    await force();
    const retried = await waitFor('the unstarted build to be retried', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(retried).toMatchObject({ result: 'RETRY', text: 'not started within 2 s by executor a' });
    p.child.kill('SIGCONT');
    await waitFor('a later build to succeed', async () => (await fx.builds('linux')).find((b) => b.result === 'SUCCESS'), 60_000);
    expect(await fx.store.pendingCount(['linux'])).toBe(0);
  }, 120_000);
});
