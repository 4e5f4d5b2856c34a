import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BbClient } from '../../src/queue/client.js';
import { Keys } from '../../src/data/keys.js';
import type { Store } from '../../src/data/store.js';
import type { BuildSet } from '../../src/model/build.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { probe, ROOT, spawnExecutor, spawnMaster, tempDir, waitFor, writeConfig, type Proc } from '../harness/bb.js';
import { freePort, startIrcd, type TestIrcd } from '../harness/ircd.js';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { httpRequest } from '../harness/http.js';

/**
 * Two `bb master` processes on one Redis prefix (README "Running several masters"): one leads,
 * the other stands by. The leader is killed with -9 in the middle of a burst of changes, or
 * stopped with SIGSTOP and resumed after the standby took over; every change gets exactly its
 * build, nothing is built or announced twice, and the resumed old leader steps down.
 */

const run = promisify(execFile);
const SECRET = 'failover-secret-0123456789';

let ircd: TestIrcd;
beforeAll(async () => {
  ircd = await startIrcd();
}, 60_000);
afterAll(async () => {
  await ircd?.stop();
});

interface Setup {
  url: string;
  prefix: string;
  keys: Keys;
  dir: string;
  p: { store: Store; close(): void };
  raw: Redis;
  client: BbClient;
  ports: [number, number];
  cfgs: [string, string];
}

const procs: Proc[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const x of procs.splice(0)) {
    if (x.child.exitCode === null && x.child.signalCode === null) x.child.kill('SIGCONT');
    await x.kill('SIGKILL');
  }
  for (const c of cleanups.splice(0)) await c();
});

async function setup(label: string, chat: boolean): Promise<Setup> {
  const url = (await testRedis()).url;
  const prefix = freshPrefix(label);
  const dir = tempDir(label);
  const ports: [number, number] = [await freePort(), await freePort()];
  const body = (port: number) => `{
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'true' }] }],
  schedulers: [{ type: 'any-branch', name: 'all', treeStableTimer: 0, builders: ['linux'] }],
  http: { port: ${port} },
  ${chat ? `chat: { irc: { host: '127.0.0.1', port: ${ircd.port}, tls: false, nick: 'bb', channels: ['#dev'] }, announce: [{ target: 'irc:#dev', events: ['finished'] }] },` : ''}
}`;
  const cfgs: [string, string] = [writeConfig(dir, body(ports[0]), 'master-a.ts'), writeConfig(dir, body(ports[1]), 'master-b.ts')];
  const p = probe(url, prefix);
  const raw = new Redis(url);
  const client = new BbClient(url, prefix);
  cleanups.push(async () => {
    p.close();
    raw.disconnect();
    await client.close();
    await deletePrefix(url, prefix);
  });
  return { url, prefix, keys: new Keys(prefix), dir, p, raw, client, ports, cfgs };
}

async function leaderPid(s: Setup): Promise<number | null> {
  const v = await s.raw.get(s.keys.master);
  return v ? (JSON.parse(v) as { pid: number }).pid : null;
}

async function health(port: number): Promise<{ role: string; master: { pid: number; token: string } | null } | null> {
  try {
    return (await httpRequest(port, 'GET', '/healthz')).json as { role: string; master: { pid: number; token: string } | null };
  } catch {
    return null;
  }
}

/** Starts master A (it leads), master B (it stands by) and executor a. */
async function twoMasters(s: Setup): Promise<[Proc, Proc]> {
  const a = spawnMaster(s.cfgs[0], s.url, s.dir, 'master-a');
  procs.push(a);
  await waitFor('master A to lead', async () => (await leaderPid(s)) === a.child.pid, 60_000, 100);
  const b = spawnMaster(s.cfgs[1], s.url, s.dir, 'master-b');
  procs.push(b);
  await waitFor('master B to stand by', async () => (await health(s.ports[1]))?.role === 'standby', 60_000, 100);
  const ex = spawnExecutor({ name: 'a', secret: SECRET, redisUrl: s.url, prefix: s.prefix, basedir: join(s.dir, 'exec-a'), slots: 2 }, s.dir);
  procs.push(ex);
  await waitFor('executor a', async () => (await s.p.store.getExecutor('a'))?.state === 'connected', 60_000, 100);
  return [a, b];
}

const send = (s: Setup, i: number) =>
  s.client.sendChange({ author: 'Brian Warner <warner@example.org>', files: [`f${i}.c`], branch: `topic${i}`, revision: (0xaaaa0000 + i).toString(16) });

/** Waits for `n` finished builds, then checks that every change has exactly one BuildSet and one build. */
async function everyChangeBuiltOnce(s: Setup, n: number): Promise<BuildSet[]> {
  await waitFor(`${n} finished builds`, async () => {
    const builds = await s.p.store.lastBuilds('linux', n + 5);
    return builds.length >= n && builds.every((b) => b.state === 'finished');
  }, 120_000, 200);
  const sets = await s.p.store.getBuildSets(await s.p.store.buildSetIdsAfter(0, 1000));
  const builds = await s.p.store.lastBuilds('linux', 1000);
  const changeIds = sets.flatMap((b) => b.sourcestamp.changeIds).sort((x, y) => x - y);
  expect(changeIds).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(sets).toHaveLength(n);
  for (const bs of sets) {
    const change = (await s.p.store.getChange(bs.sourcestamp.changeIds[0]!))!;
    expect(bs.sourcestamp.branch).toBe(change.branch);
  }
  expect(builds).toHaveLength(n);
  expect(builds.every((b) => b.result === 'SUCCESS')).toBe(true);
  return sets;
}

describe('two masters on one prefix', () => {
  it('kill -9 of the leader mid-burst: the standby takes over, every change is built and announced once', async () => {
    const s = await setup('fokill', true);
    const human: IrcHuman = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'alice', channels: ['#dev'] });
    cleanups.push(() => human.quit().catch(() => undefined));
    const [a, b] = await twoMasters(s);
    await waitFor('the bot in #dev', async () => / 353 .*[ :@]bb(\s|$)/.test(await human.command('NAMES #dev', / 353 /)), 30_000, 200);

    const N = 16;
    for (let i = 1; i <= N / 2; i++) await send(s, i);
    await waitFor('a first build', async () => (await s.p.store.lastBuilds('linux', 1)).length > 0, 30_000, 20);
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    for (let i = N / 2 + 1; i <= N; i++) await send(s, i);
    await waitFor('master B to lead', async () => (await leaderPid(s)) === b.child.pid, 20_000, 20);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(10_000);
    console.log(`failover: kill -9 to the standby leading: ${takeover} ms`);

    await everyChangeBuiltOnce(s, N);
    // Every build's result said once in #dev, whichever master said it.
    const fromBot = (m: { nick: string; target: string; text: string }) => m.nick === 'bb' && m.target === '#dev' && /linux #\d+: /.test(m.text);
    await human.waitForCount(fromBot, N, 60_000);
    await waitFor('nothing left to announce or say', async () => (await s.raw.zcard(s.keys.announceDue)) === 0 && (await s.raw.llen(s.keys.chatOutbox('irc'))) === 0, 30_000, 100);
    await human.command('NAMES #dev', / 353 /); // a round trip behind anything the bot still had on the wire
    const said = human.seen.filter(fromBot).map((m) => Number(/linux #(\d+): /.exec(m.text)![1]));
    expect(said.sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));

    const health1 = await health(s.ports[1]);
    expect(health1).toMatchObject({ role: 'leader', master: { pid: b.child.pid, token: '2' } });
    const status = (await run(process.execPath, ['bin/bb.js', 'status'], { cwd: ROOT, env: { ...process.env, REDIS_URL: s.url, BB_PREFIX: s.prefix } })).stdout;
    expect(status).toMatch(new RegExp(`master: \\S+ pid ${b.child.pid} leads \\(token 2\\) since `));
  }, 240_000);

  it('a SIGSTOPped leader: the standby takes over within 10 s; resumed, the old leader writes nothing and stands by', async () => {
    const s = await setup('fostop', false);
    const [a, b] = await twoMasters(s);
    for (let i = 1; i <= 3; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 3);

    a.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor('master B to lead', async () => (await leaderPid(s)) === b.child.pid, 20_000, 20);
    const takeover = Date.now() - stoppedAt;
    console.log(`failover: SIGSTOP to the standby leading: ${takeover} ms`);
    expect(takeover).toBeLessThan(10_000);
    for (let i = 4; i <= 6; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 6);

    a.child.kill('SIGCONT');
    await waitFor('master A to stand by', async () => (await health(s.ports[0]))?.role === 'standby', 30_000, 100);
    expect(a.log()).toContain('lost the lead; standing by');
    expect((await health(s.ports[0]))!.master).toMatchObject({ pid: b.child.pid, token: '2' });
    expect(await leaderPid(s)).toBe(b.child.pid);

    for (let i = 7; i <= 8; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 8);
    expect(await s.raw.get(s.keys.leaderSeq)).toBe('2');
  }, 240_000);
});
