import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { startMasterWith } from '../harness/master-with.js';
import { ROOT, spawnBb, waitFor, type Proc } from '../harness/bb.js';
import { cleanupDir, startRedisServer, type RedisServerHandle } from '../harness/redis.js';
import { jobListTakenKey, jobListWaitKey } from '../../src/queue/job-list.js';
import { executorControlQueueName, executorEventsQueueName, executorQueueName } from '../../src/queue/jobs.js';
import { testConfig } from '../harness/config.js';

const run = promisify(execFile);

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
  builders: [
    { name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'echo on a' }] },
    { name: 'mac', executors: ['b'], steps: [{ type: 'shell', command: 'echo on b' }] },
  ],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'mac'] }],
});

/** `bb redis-acl` (the real CLI): user name → password and ACL file line. */
async function aclFor(configPath: string): Promise<Map<string, { password: string; line: string }>> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'bin/bb.js'), 'redis-acl', '--config', configPath], { cwd: ROOT });
  const users = new Map<string, { password: string; line: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^user (\S+) on >(\S+) /.exec(line);
    if (m) users.set(m[1]!, { password: m[2]!, line });
  }
  return users;
}

/** Loads ACL file lines into a running server with ACL SETUSER. */
async function applyAcl(admin: Redis, users: Map<string, { line: string }>): Promise<void> {
  for (const { line } of users.values()) {
    const [, name, ...rules] = line.split(' ');
    await admin.call('ACL', 'SETUSER', name!, 'reset', ...rules);
  }
}

describe('Redis ACL users from bb redis-acl', () => {
  let fx: PipelineFixture;
  const procs: Proc[] = [];
  const conns: Redis[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.kill('SIGKILL');
    for (const c of conns.splice(0)) c.disconnect();
    await fx?.close();
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const executor = (name: 'a' | 'b', url: string, env: Record<string, string> = {}) => {
    const logDir = join(fx.dir, `logs-${name}-${procs.length}`);
    mkdirSync(logDir);
    const p = spawnBb(['executor', '--name', name, '--redis', url, '--prefix', fx.prefix, '--basedir', join(fx.dir, `exec-${name}`)], {
      logDir,
      label: `executor-${name}`,
      env: { BB_EXECUTOR_SECRET: name === 'a' ? SECRET_A : SECRET_B, ...env },
    });
    procs.push(p);
    return p;
  };
  const connect = (url: string) => {
    const c = new Redis(url, { maxRetriesPerRequest: 1 });
    c.on('error', () => undefined);
    conns.push(c);
    return c;
  };
  const buildBoth = async () => {
    await fx.client.control({ v: 1, type: 'force', builders: ['linux', 'mac'], owner: 'test' });
    return waitFor('both builds', async () => {
      const all = [...(await fx.builds('linux')), ...(await fx.builds('mac'))];
      return all.length === 2 && all.every((b) => b.state === 'finished') ? all : null;
    }, 60_000);
  };

  it('each executor reaches its own queues only; the master and the executors build as these users', async () => {
    fx = await PipelineFixture.create('acl', config);
    const users = await aclFor(fx.configPath);
    expect([...users.keys()].sort()).toEqual([`${fx.prefix}-exec-a`, `${fx.prefix}-exec-b`, `${fx.prefix}-master`]);
    const admin = connect(fx.redisUrl);
    await applyAcl(admin, users);
    cleanups.push(() => void admin.call('ACL', 'DELUSER', ...users.keys()).catch(() => undefined));
    const hostPort = fx.redisUrl.replace(/^redis:\/\//, '');
    const urlOf = (user: string) => `redis://${user}:${users.get(user)!.password}@${hostPort}`;

    await startMasterWith(fx, { redisUrl: urlOf(`${fx.prefix}-master`) });
    executor('a', urlOf(`${fx.prefix}-exec-a`));
    executor('b', urlOf(`${fx.prefix}-exec-b`));
    const builds = await buildBoth();
    expect(builds.map((b) => [b.builder, b.result, b.executor])).toEqual([['linux', 'SUCCESS', 'a'], ['mac', 'SUCCESS', 'b']]);

    // Executor a's user against b's queues and the master's state: every read and write refused.
    const a = connect(urlOf(`${fx.prefix}-exec-a`));
    const p = fx.prefix;
    const refused = async (what: Promise<unknown>) => expect(await what.then(() => 'allowed', (e: Error) => e.message)).toMatch(/NOPERM/);
    await refused(a.lrange(`${p}:${executorQueueName('b')}:wait`, 0, -1));
    await refused(a.hgetall(`${p}:${executorQueueName('b')}:meta`));
    await refused(a.lpush(`${p}:${executorQueueName('b')}:wait`, 'x'));
    // b's job lists (src/queue/job-list.ts): a may neither read, take from, nor add to them.
    await refused(a.lrange(jobListWaitKey(p, 'b'), 0, -1));
    await refused(a.lpush(jobListWaitKey(p, 'b'), 'x'));
    await refused(a.lmove(jobListWaitKey(p, 'b'), jobListTakenKey(p, 'b'), 'RIGHT', 'LEFT'));
    await refused(a.lmove(jobListWaitKey(p, 'a'), jobListTakenKey(p, 'b'), 'RIGHT', 'LEFT'));
    await refused(a.lrem(jobListTakenKey(p, 'b'), 0, 'x'));
    await refused(a.del(`${p}:${executorControlQueueName('b')}:wait`));
    await refused(a.xadd(`${p}:${executorEventsQueueName('b')}:events`, '*', 'k', 'v'));
    await refused(a.get(`${p}:exec-session:b`));
    await refused(a.set(`${p}:exec-session:a`, 'forged'));
    await refused(a.get(`${p}:db:executor:a`));
    await refused(a.keys('*'));
    await refused(a.call('CONFIG', 'GET', 'requirepass'));
    const bQueue = new Queue(executorQueueName('b'), { connection: a, prefix: p });
    cleanups.push(() => bQueue.close());
    await refused(bQueue.add('build', { payload: {}, sig: 'x' }));
    await refused(bQueue.getWaiting());
    // Its own job lists it reaches (the builds above went through them).
    expect(await a.llen(jobListTakenKey(p, 'a'))).toBe(0);
    // Its own session record it may read.
    expect(await a.get(`${p}:exec-session:a`)).toContain('"session"');
  }, 120_000);

  it('an executor on another host reaches Redis over TLS (rediss://) as its ACL user, with the certificate verified', async () => {
    fx = await PipelineFixture.create('tls', config);
    const certDir = join(fx.dir, 'tls');
    mkdirSync(certDir);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
    const tlsPort = 20000 + Math.floor(Math.random() * 20000);
    const server: RedisServerHandle = await startRedisServer({
      'tls-port': String(tlsPort),
      'tls-cert-file': join(certDir, 'cert.pem'),
      'tls-key-file': join(certDir, 'key.pem'),
      'tls-ca-cert-file': join(certDir, 'cert.pem'),
      'tls-auth-clients': 'no',
    });
    cleanups.push(async () => {
      await server.stop('SIGKILL');
      cleanupDir(server.dir);
    });
    // This test's bb lives on the TLS server (the master and the CLI on its loopback port).
    await fx.client.close();
    (fx as unknown as { redisUrl: string }).redisUrl = server.redis.url;
    (fx as unknown as { client: unknown }).client = new (await import('../../src/queue/client.js')).BbClient(server.redis.url, fx.prefix);
    const users = await aclFor(fx.configPath);
    await applyAcl(connect(server.redis.url), users);
    await startMasterWith(fx, { redisUrl: server.redis.url });
    const tlsUrl = (user: string) => `rediss://${user}:${users.get(user)!.password}@localhost:${tlsPort}`;

    // Without the CA the self-signed certificate is refused: no connection, no hello.
    const untrusting = executor('a', tlsUrl(`${fx.prefix}-exec-a`));
    await waitFor('the certificate to be refused', () => /self[- ]signed certificate/i.test(untrusting.log()), 30_000);
    expect(await fx.store.getExecutor('a')).toBeNull();
    await untrusting.kill('SIGKILL');

    executor('a', tlsUrl(`${fx.prefix}-exec-a`), { NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem') });
    executor('b', tlsUrl(`${fx.prefix}-exec-b`), { NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem') });
    const builds = await buildBoth();
    expect(builds.map((b) => [b.builder, b.result, b.executor])).toEqual([['linux', 'SUCCESS', 'a'], ['mac', 'SUCCESS', 'b']]);
  }, 120_000);
});
