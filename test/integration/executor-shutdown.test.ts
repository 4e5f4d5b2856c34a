import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupDir, startRedisServer, type RedisServerHandle } from '../harness/redis.js';
import { HANDED_BACK_TEXT } from '../../executor/build.js';
import { alive, fakeMaster, logText, rig, SECRET, type FakeMaster, type Rig, waitAccepted } from './executor-fixture.js';
import { waitFor } from '../harness/bb.js';
import { recordingLogger } from '../harness/master-with.js';

const rigs: Rig[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(...args: Parameters<typeof rig>): Promise<Rig> {
  const r = await rig(...args);
  rigs.push(r);
  return r;
}

describe('executor shutdown', () => {
  it('stop() stops taking jobs, waits for the running build, then says goodbye', async () => {
    const { master, executor, scratch } = await setup();
    const go = join(scratch, 'go');
    const { payload } = await master.dispatch({ steps: [{ type: 'shell', command: `while [ ! -f ${go} ]; do sleep 0.05; done; echo done` }] });
    await master.waitFor((e) => e.type === 'step-started' && e.buildId === payload.buildId);
    expect(executor.running()).toEqual([payload.buildId]);
    let stopped = false;
    const stopping = executor.stop().then(() => (stopped = true));
    // Stopping, but not stopped while the build waits for the go file.
    await master.waitFor((e) => e.type === 'stopping');
    expect(stopped).toBe(false);
    expect(executor.running()).toEqual([payload.buildId]);
    writeFileSync(go, '');
    await stopping;
    const finished = await master.finished(payload.buildId, 2000);
    expect(finished).toMatchObject({ result: 'SUCCESS' });
    expect(logText(master.buildEvents(payload.buildId), 0, 'stdout')).toBe('done\n');
    await master.waitFor((e) => e.type === 'goodbye');
    const order = master.events().map((e) => e.type);
    expect(order.indexOf('goodbye')).toBeGreaterThan(order.indexOf('build-finished'));
    expect(master.events().find((e) => e.type === 'goodbye')).toMatchObject({ reason: 'shut down' });

    // A job queued after stop stays queued for the next executor process.
    // (stop() resolved: the worker is closed, so nothing can take it.)
    const late = await master.dispatch({ steps: [{ type: 'shell', command: 'true' }] });
    expect((await master.jobState(late.jobId)).state).toBe('waiting');
  });

  it('stop({handBack}) kills running builds and reports them as RETRY', async () => {
    const { master, executor, basedir } = await setup();
    const { payload } = await master.dispatch({
      steps: [{ type: 'shell', command: 'sleep 1000 & echo $! > bg.pid; sleep 1000' }, { type: 'shell', command: 'true' }],
    });
    const pidFile = join(basedir, 'b1', 'build', 'bg.pid');
    await master.waitFor((e) => e.type === 'step-started' && e.buildId === payload.buildId);
    await waitFor('the background pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    await executor.stop({ handBack: true });
    expect(await master.finished(payload.buildId, 2000)).toMatchObject({ result: 'RETRY', text: HANDED_BACK_TEXT });
    expect(master.buildEvents(payload.buildId).filter((e) => e.type === 'step-finished')).toMatchObject([
      { step: 0, result: 'RETRY' },
      { step: 1, result: 'SKIPPED' },
    ]);
    expect(await master.waitFor((e) => e.type === 'goodbye')).toMatchObject({ reason: 'handed back' });
    // "stopping" reaches the master before the handed-back result, so it never re-offers the build to
    // this executor; goodbye comes last.
    const order = master.events().map((e) => e.type);
    expect(master.events().find((e) => e.type === 'stopping')).toMatchObject({ handBack: true });
    expect(order.indexOf('stopping')).toBeLessThan(order.indexOf('build-finished'));
    expect(order.lastIndexOf('goodbye')).toBe(order.length - 1);
    await waitFor('the background process to be gone', () => !alive(pid), 5000);
  });

  it('a plain stop turns into a hand-back when asked again', async () => {
    const { master, executor } = await setup();
    const { payload } = await master.dispatch({ steps: [{ type: 'shell', command: 'sleep 1000' }] });
    await master.waitFor((e) => e.type === 'step-started' && e.buildId === payload.buildId);
    const first = executor.stop();
    await master.waitFor((e) => e.type === 'stopping');
    expect(executor.running()).toEqual([payload.buildId]);
    await executor.stop({ handBack: true });
    await first;
    expect(await master.finished(payload.buildId, 2000)).toMatchObject({ result: 'RETRY' });
  });
});

describe('executor and Redis', () => {
  it('survives a Redis restart mid-build and loses no events', async () => {
    const server: RedisServerHandle = await startRedisServer();
    cleanups.push(async () => {
      await server.stop('SIGKILL');
      cleanupDir(server.dir);
    });
    const master: FakeMaster = await fakeMasterOn(server.redis.url, 'ex-redis');
    const basedir = mkdtempSync(join(tmpdir(), 'bb-executor-'));
    cleanups.push(() => cleanupDir(basedir));
    const { startExecutor } = await import('../../executor/executor.js');
    const { createLogger } = await import('../../src/log.js');
    const executor = await startExecutor({
      name: 'ex-redis', secret: SECRET, redisUrl: server.redis.url, prefix: master.prefix, basedir, slots: 1,
      heartbeatMs: 200, killGraceMs: 300, logger: createLogger('t', { level: 'silent' }),
    });
    cleanups.push(() => executor.stop({ handBack: true }));
    await waitAccepted(executor);
    const gate = mkdtempSync(join(tmpdir(), 'bb-gate-'));
    cleanups.push(() => cleanupDir(gate));
    const { payload } = await master.dispatch({
      steps: [{ type: 'shell', command: `echo before; while [ ! -f ${gate}/go ]; do sleep 0.05; done; echo after; touch ${gate}/ended` }],
    });
    await master.waitFor((e) => e.type === 'log' && e.buildId === payload.buildId && e.text.includes('before'));
    await server.stop('SIGKILL');
    // The build ends while Redis is down: its last events wait in the executor until it is back.
    writeFileSync(join(gate, 'go'), '');
    await waitFor('the step to end', () => existsSync(join(gate, 'ended')));
    await server.restart();
    const done = await master.finished(payload.buildId, 20_000);
    expect(done).toMatchObject({ result: 'SUCCESS' });
    expect(logText(master.buildEvents(payload.buildId), 0, 'stdout')).toBe('before\nafter\n');
    // Still alive and working after the outage.
    const next = await master.dispatch({ steps: [{ type: 'shell', command: 'echo again' }] });
    expect(await master.finished(next.payload.buildId, 10_000)).toMatchObject({ result: 'SUCCESS' });
  });
});

describe('executor without Redis', () => {
  it('starts and stops while Redis is unreachable (a hang fails by the test timeout)', async () => {
    const server: RedisServerHandle = await startRedisServer();
    await server.stop('SIGKILL');
    cleanups.push(() => cleanupDir(server.dir));
    const basedir = mkdtempSync(join(tmpdir(), 'bb-executor-'));
    cleanups.push(() => cleanupDir(basedir));
    const { startExecutor } = await import('../../executor/executor.js');
    const { logger, lines } = recordingLogger();
    const executor = await startExecutor({
      name: 'ex-down', secret: SECRET, redisUrl: server.redis.url, prefix: 'bbtest-down', basedir, slots: 1,
      heartbeatMs: 100, logger,
    });
    await waitFor('a failed connection attempt', () => lines.some((l) => l.msg === 'redis connection error; retrying'));
    await executor.stop();
  }, 30_000);
});

async function fakeMasterOn(url: string, name: string): Promise<FakeMaster> {
  const m = await fakeMaster(name, url);
  cleanups.push(() => m.close());
  return m;
}

describe('bb executor command', () => {
  const main = join(import.meta.dirname, '../../dist/executor/main.js');

  it('exits 2 with a clear message when no secret is given', async () => {
    const env = { ...process.env };
    delete env.BB_EXECUTOR_SECRET;
    const r = await run([main, '--name', 'x'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no secret');
  });

  it('runs, says hello, and says goodbye on SIGTERM', async () => {
    const master = await fakeMasterOn((await import('../harness/redis.js').then((h) => h.testRedis())).url, 'ex-cli');
    const basedir = mkdtempSync(join(tmpdir(), 'bb-executor-'));
    cleanups.push(() => cleanupDir(basedir));
    const child = spawn(process.execPath, [main, '--name', 'ex-cli', '--redis', master.url, '--prefix', master.prefix, '--basedir', basedir, '--slots', '3', '--builders', 'a,b'], {
      env: { ...process.env, BB_EXECUTOR_SECRET: SECRET, BB_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    cleanups.push(() => void child.kill('SIGKILL'));
    expect(await master.waitFor((e) => e.type === 'hello', 20_000)).toMatchObject({ slots: 3, builders: ['a', 'b'] });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await master.waitFor((e) => e.type === 'goodbye', 5000)).toMatchObject({ reason: 'shut down' });
  });
});

describe('bb executor --hand-back-after (the systemd unit\'s graceful stop)', () => {
  const main = join(import.meta.dirname, '../../dist/executor/main.js');
  const start = async (name: string, graceSeconds: number) => {
    const master = await fakeMasterOn((await import('../harness/redis.js').then((h) => h.testRedis())).url, name);
    const basedir = mkdtempSync(join(tmpdir(), 'bb-executor-'));
    cleanups.push(() => cleanupDir(basedir));
    const child = spawn(process.execPath, [main, '--name', name, '--redis', master.url, '--prefix', master.prefix, '--basedir', basedir, '--hand-back-after', String(graceSeconds)], {
      env: { ...process.env, BB_EXECUTOR_SECRET: SECRET, BB_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    cleanups.push(() => void child.kill('SIGKILL'));
    await master.waitFor((e) => e.type === 'hello', 20_000);
    return { master, child, exited };
  };

  it('a build that ends within the grace period finishes; then the executor exits 0', async () => {
    const { master, child, exited } = await start('ex-grace-ok', 120);
    const { payload } = await master.dispatch({ steps: [{ type: 'shell', command: 'sleep 1; echo done' }] });
    await master.waitFor((e) => e.type === 'step-started' && e.buildId === payload.buildId, 20_000);
    child.kill('SIGTERM');
    expect(await master.finished(payload.buildId, 30_000)).toMatchObject({ result: 'SUCCESS' });
    expect(await exited).toBe(0);
    expect(await master.waitFor((e) => e.type === 'goodbye', 5000)).toMatchObject({ reason: 'shut down' });
  });

  it('a build still running when the grace period ends is handed back as RETRY', async () => {
    const { master, child, exited } = await start('ex-grace-over', 1);
    const { payload } = await master.dispatch({ steps: [{ type: 'shell', command: 'sleep 1000' }] });
    await master.waitFor((e) => e.type === 'step-started' && e.buildId === payload.buildId, 20_000);
    child.kill('SIGTERM');
    expect(await master.finished(payload.buildId, 30_000)).toMatchObject({ result: 'RETRY', text: HANDED_BACK_TEXT });
    expect(await exited).toBe(0);
    expect(await master.waitFor((e) => e.type === 'goodbye', 5000)).toMatchObject({ reason: 'handed back' });
  });
});

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}
