import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { Master } from '../../src/master.js';
import { validateConfig } from '../../src/config/validate.js';
import { GuardrailError } from '../../src/data/guardrails.js';
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

  it('a second master on the same prefix stands by; a stopped leader hands over to it', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('two');
    const first = master(url, prefix);
    await first.m.start();
    expect(first.m.role).toBe('leader');
    const second = master(url, prefix);
    await second.m.start();
    masters.push(second.m);
    expect(second.m.role).toBe('standby');
    // A standby takes a new config (SIGHUP) without starting anything: it leads with it later.
    const more = config(prefix, { builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }, { name: 'docs', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }] });
    expect(await second.m.reconfigure(more)).toMatchObject({ ok: true });
    expect(second.m.role).toBe('standby');
    // Another prefix is another installation: it leads its own.
    const other = master(url, freshPrefix('two-b'));
    await other.m.start();
    masters.push(other.m);
    expect(other.m.role).toBe('leader');
    await first.m.stop(); // releases the lease
    await second.m.leading();
    expect(second.m.role).toBe('leader');
    const health = await httpRequest(second.m.http!.address!.port, 'GET', '/healthz');
    const body = health.json as { role: string; master: { pid: number; token: string } };
    expect(body.role).toBe('leader');
    expect(body.master.pid).toBe(process.pid);
    expect(Number(body.master.token)).toBe(2); // the second acquisition on this prefix
    expect(second.m.config.builders.map((b) => b.name)).toEqual(['linux', 'docs']);
    expect((await second.m.store.configSummary())!.builders.map((b) => b.name)).toEqual(['linux', 'docs']);
  });
});
