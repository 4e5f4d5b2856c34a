import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { Master } from '../../src/master.js';
import { validateConfig } from '../../src/config/validate.js';
import { AnotherMasterError, GuardrailError } from '../../src/data/guardrails.js';
import { Keys } from '../../src/data/keys.js';
import { recordingLogger } from '../harness/master-with.js';
import { cleanupDir, freshPrefix, startRedisServer, testRedis, type RedisServerHandle } from '../harness/redis.js';
import { ROOT, spawnMaster, tempDir, waitFor, writeConfig, type Proc } from '../harness/bb.js';
import { httpRequest } from '../harness/http.js';

const run = promisify(execFile);
const SECRET = 'a-secret-of-enough-length';

function config(prefix: string, extra: Record<string, unknown> = {}) {
  return validateConfig(
    {
      redis: { prefix },
      executors: [{ name: 'a', secret: SECRET }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      http: { port: 0 },
      ...extra,
    },
    { file: 'master.ts', baseDir: '/tmp', env: {} },
  );
}

const servers: RedisServerHandle[] = [];
const masters: Master[] = [];
const procs: Proc[] = [];
afterEach(async () => {
  for (const m of masters.splice(0)) await m.stop();
  for (const p of procs.splice(0)) await p.kill('SIGKILL');
  for (const s of servers.splice(0)) {
    await s.stop('SIGKILL');
    cleanupDir(s.dir);
  }
});

async function server(settings: Record<string, string>): Promise<string> {
  const s = await startRedisServer(settings);
  servers.push(s);
  return s.redis.url;
}

function master(url: string, prefix: string, extra: Record<string, unknown> = {}) {
  const { config: cfg, secrets } = config(prefix, extra);
  const rec = recordingLogger();
  const m = new Master({ config: cfg, secrets, redisUrl: url, logger: rec.logger, baseDir: tempDir('guard') });
  return { m, lines: rec.lines };
}

describe('guardrails at master start', () => {
  it('Redis with no persistence: the master starts and says so in its log, bb status (text and JSON) and /healthz', async () => {
    const url = await server({ appendonly: 'no', save: '' });
    const prefix = freshPrefix('noaof');
    const { m, lines } = master(url, prefix);
    await m.start();
    masters.push(m);
    expect(lines.find((l) => l.guardrail === 'persistence')?.msg).toMatch(/Redis has no persistence \(appendonly no and no RDB save points\)/);
    await m.retention.runNow(); // the background pass, now: nothing is old enough
    const env = { ...process.env, REDIS_URL: url, BB_PREFIX: prefix };
    const text = (await run(process.execPath, ['bin/bb.js', 'status'], { cwd: ROOT, env })).stdout;
    expect(text).toContain(`master: ${hostname()} pid ${process.pid}`);
    expect(text).toMatch(/warning: Redis has no persistence/);
    expect(text).toMatch(/retention: last pass \S+ pruned 0 builds, logs of 0, 0 buildsets, 0 changes/);
    const json = JSON.parse((await run(process.execPath, ['bin/bb.js', 'status', '--json'], { cwd: ROOT, env })).stdout);
    expect(json.guardrails.map((g: { check: string }) => g.check)).toEqual(['persistence']);
    expect(json.master.pid).toBe(process.pid);
    expect(json.lastPrune.pruned).toEqual({ builds: 0, logs: 0, buildsets: 0, changes: 0, problems: 0, hassle: 0, packages: 0, jobs: 0 });
    expect(json.builders[0].name).toBe('linux');
    const health = await httpRequest(m.http!.address!.port, 'GET', '/healthz');
    expect(health.status).toBe(200);
    const body = health.json as { ok: boolean; guardrails: Array<{ check: string; level: string }>; master: { pid: number } };
    expect(body.ok).toBe(true);
    expect(body.guardrails).toEqual([expect.objectContaining({ check: 'persistence', level: 'warn' })]);
    expect(body.master.pid).toBe(process.pid);
  });

  it('an evicting maxmemory-policy refuses the start unless redis.allowEviction; allowed, it warns', async () => {
    const url = await server({ 'maxmemory-policy': 'allkeys-lru' });
    const prefix = freshPrefix('evict');
    const refused = master(url, prefix);
    const err = await refused.m.start().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(GuardrailError);
    expect((err as Error).message).toMatch(/maxmemory-policy allkeys-lru.*allowEviction: true/);
    expect(refused.lines.find((l) => l.guardrail === 'eviction')?.level).toBe(50); // logged as an error
    const probe = new Redis(url);
    expect(await probe.keys(`${prefix}:db:*`)).toEqual([]); // no record written, no lease taken
    probe.disconnect();

    const allowed = master(url, prefix, { redis: { prefix, allowEviction: true } });
    await allowed.m.start();
    masters.push(allowed.m);
    expect(allowed.m.guardrails).toEqual([expect.objectContaining({ check: 'eviction', level: 'warn' })]);
    expect(allowed.m.guardrails[0]!.message).toContain('started anyway because redis.allowEviction is true');
  });

  it('a second master on the same prefix is refused, naming the first; a stopped master frees the prefix', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('two');
    const first = master(url, prefix);
    await first.m.start();
    const second = master(url, prefix);
    const err = await second.m.start().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(AnotherMasterError);
    expect((err as Error).message).toContain(`another bb master is running on prefix "${prefix}": host ${hostname()}, pid ${process.pid}`);
    // Another prefix is another installation.
    const other = master(url, freshPrefix('two-b'));
    await other.m.start();
    masters.push(other.m);
    await first.m.stop();
    const third = master(url, prefix);
    await third.m.start();
    masters.push(third.m);
  });

  it('bb master refuses to start beside a live one; after kill -9 of the first a new one starts at once', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('kill9');
    const dir = tempDir('kill9');
    const cfg = writeConfig(dir, JSON.stringify({ redis: { prefix }, executors: [{ name: 'a', secret: SECRET }], builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }] }));
    const keys = new Keys(prefix);
    const probe = new Redis(url);
    try {
      const m1 = spawnMaster(cfg, url, dir, 'master1');
      procs.push(m1);
      const holder = await waitFor('master 1 to hold the lease', async () => {
        const raw = await probe.get(keys.master);
        return raw ? (JSON.parse(raw) as { pid: number; host: string }) : null;
      }, 30_000);
      expect(holder.pid).toBe(m1.child.pid);
      const m2 = spawnMaster(cfg, url, dir, 'master2');
      procs.push(m2);
      expect(await m2.exited).toBe(1);
      expect(m2.log()).toContain(`another bb master is running on prefix "${prefix}": host ${hostname()}, pid ${m1.child.pid}`);
      await m1.kill('SIGKILL');
      expect(await probe.exists(keys.master)).toBe(1); // the lease has not lapsed yet
      const m3 = spawnMaster(cfg, url, dir, 'master3');
      procs.push(m3);
      await waitFor('master 3 to take the lease', async () => {
        const raw = await probe.get(keys.master);
        return raw && (JSON.parse(raw) as { pid: number }).pid === m3.child.pid;
      }, 30_000);
      expect(m3.child.exitCode).toBeNull();
    } finally {
      probe.disconnect();
    }
  });
});
