import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BbClient } from '../../src/queue/client.js';
import { Keys } from '../../src/data/keys.js';
import { MasterQueues } from '../../src/queue/master-queues.js';
import { pino } from 'pino';
import type { Store } from '../../src/data/store.js';
import type { Build, BuildSet } from '../../src/model/build.js';
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
/** The trunk scheduler's tree-stable timer (s): armed by one leader, fired by the next. */
const TIMER = 8;

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

/** The IRC bot of both masters: its nick, its channel, and its services account when it has one. */
interface ChatSetup {
  nick: string;
  channel: string;
  sasl?: { account: string; password: string };
}

async function setup(label: string, chat: ChatSetup | null): Promise<Setup> {
  const url = (await testRedis()).url;
  const prefix = freshPrefix(label);
  const dir = tempDir(label);
  const ports: [number, number] = [await freePort(), await freePort()];
  const body = (port: number) => `{
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  startTimeout: 10,
  executors: [{ name: 'a', secret: '${SECRET}' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'true' }] }],
  schedulers: [
    { type: 'any-branch', name: 'all', treeStableTimer: 0, builders: ['linux'], filter: { branch: (b) => b !== 'main' } },
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: ${TIMER}, builders: ['linux'] },
  ],
  http: { port: ${port} },
  ${chat ? `chat: { irc: { host: '127.0.0.1', port: ${ircd.port}, tls: false, nick: '${chat.nick}', channels: ['${chat.channel}']${chat.sasl ? `, sasl: { account: '${chat.sasl.account}', password: { value: '${chat.sasl.password}' } }` : ''} }, announce: [{ target: 'irc:${chat.channel}', events: ['finished', 'executor'] }] },` : ''}
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

/** Change `i` on its own topic branch (built at once by the `all` scheduler). */
const send = (s: Setup, i: number) =>
  s.client.sendChange({ author: 'Brian Warner <warner@example.org>', files: [`f${i}.c`], branch: `topic${i}`, revision: (0xaaaa0000 + i).toString(16) });

/**
 * Waits until `n` builds succeeded and none runs, then checks that every change has exactly one
 * BuildSet and one successful build. A build the dead leader had claimed but not yet handed to the
 * executor ends RETRY after `startTimeout` and its request is built again: that is the only other
 * build allowed (the new leader ends it at once when its job is on no queue).
 */
async function everyChangeBuiltOnce(s: Setup, n: number): Promise<{ sets: BuildSet[]; builds: Build[] }> {
  await waitFor(`${n} successful builds`, async () => {
    const builds = await s.p.store.lastBuilds('linux', 1000);
    return builds.filter((b) => b.result === 'SUCCESS').length >= n && builds.every((b) => b.state === 'finished');
  }, 120_000, 200);
  const sets = await s.p.store.getBuildSets(await s.p.store.buildSetIdsAfter(0, 1000));
  const builds = await s.p.store.lastBuilds('linux', 1000);
  const changeIds = sets.flatMap((b) => b.sourcestamp.changeIds).sort((x, y) => x - y);
  expect(changeIds).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(sets).toHaveLength(n);
  for (const bs of sets) {
    const change = (await s.p.store.getChange(bs.sourcestamp.changeIds[0]!))!;
    expect(bs.sourcestamp.branch).toBe(change.branch);
    const mine = builds.filter((b) => b.requestId === bs.requestIds[0]);
    expect(mine.filter((b) => b.result === 'SUCCESS')).toHaveLength(1);
    for (const b of mine.filter((x) => x.result !== 'SUCCESS')) expect(b).toMatchObject({ result: 'RETRY', text: expect.stringMatching(/^(not started within 10 s|handed to no executor)/) });
  }
  return { sets, builds };
}

describe('two masters on one prefix', () => {
  it('kill -9 of the leader mid-burst: the standby takes over, every change is built and announced once', async () => {
    const s = await setup('fokill', { nick: 'bb', channel: '#dev' });
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
    // How long it took is printed, not asserted (a figure, not a timed test: the machine is shared).
    const takeover = Date.now() - killedAt;
    console.log(`failover: kill -9 to the standby leading: ${takeover} ms`);

    const { builds } = await everyChangeBuiltOnce(s, N);
    // Every build's result said once in #dev, whichever master said it.
    const fromBot = (m: { nick: string; target: string; text: string }) => m.nick === 'bb' && m.target === '#dev' && /linux #\d+: /.test(m.text);
    await human.waitForCount(fromBot, builds.length, 60_000);
    await waitFor('nothing left to announce or say', async () => (await s.raw.zcard(s.keys.announceDue)) === 0 && (await s.raw.zcard(s.keys.announceTaking)) === 0 && (await s.raw.llen(s.keys.chatOutbox('irc'))) === 0, 30_000, 100);
    await human.command('NAMES #dev', / 353 /); // a round trip behind anything the bot still had on the wire
    const said = human.seen.filter(fromBot).map((m) => Number(/linux #(\d+): /.exec(m.text)![1]));
    expect(said.sort((x, y) => x - y)).toEqual(builds.map((b) => b.number).sort((x, y) => x - y));
    // The executor's connection was said once, by A: B re-accepting the same process says nothing.
    expect(human.seen.filter((m) => m.nick === 'bb' && m.target === '#dev' && /^(\[[^\]]+\] )?executor a /.test(m.text)).map((m) => m.text)).toEqual([expect.stringMatching(/^(\[[^\]]+\] )?executor a connected \(/)]);

    const health1 = await health(s.ports[1]);
    expect(health1).toMatchObject({ role: 'leader', master: { pid: b.child.pid, token: '2' } });
    const status = (await run(process.execPath, ['bin/bb.js', 'status'], { cwd: ROOT, env: { ...process.env, REDIS_URL: s.url, BB_PREFIX: s.prefix } })).stdout;
    expect(status).toMatch(new RegExp(`master: \\S+ pid ${b.child.pid} leads \\(token 2\\) since `));
  }, 240_000);

  it('a SIGSTOPped leader: the standby takes over (the time printed) and fires its armed timer at the old deadline; resumed, the old leader writes nothing and stands by', async () => {
    const s = await setup('fostop', null);
    const [a, b] = await twoMasters(s);
    for (let i = 1; i <= 3; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 3);
    // A change on trunk arms its tree-stable timer (a BullMQ delayed job): A leads, and will not fire it.
    await s.client.sendChange({ author: 'Brian Warner <warner@example.org>', files: ['main.c'], branch: 'main', revision: 'bbbb0004' });
    const queues = new MasterQueues(s.url, s.prefix, pino({ level: 'silent' }));
    cleanups.push(() => queues.close());
    const [armed] = await waitFor('the trunk timer armed', async () => {
      const t = await queues.timers.armed();
      return t.length ? t : null;
    }, 30_000, 50);
    const trunkChange = (await s.p.store.getChange(4))!;
    expect(armed!.at! - trunkChange.receivedAt).toBeGreaterThanOrEqual(TIMER * 1000);

    a.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await waitFor('master B to lead', async () => (await leaderPid(s)) === b.child.pid, 20_000, 20);
    const takeover = Date.now() - stoppedAt;
    console.log(`failover: SIGSTOP to the standby leading: ${takeover} ms`);
    // B fires the timer A armed, at its deadline (not restarted by the takeover), and builds the rest.
    const trunk = await waitFor('the trunk buildset', async () => (await s.p.store.getBuildSets(await s.p.store.buildSetIdsAfter(0, 100))).find((b) => b.scheduler === 'trunk'), 60_000, 100);
    expect(trunk.submittedAt).toBeGreaterThanOrEqual(armed!.at!);
    expect(trunk.submittedAt - armed!.at!).toBeLessThan(TIMER * 1000); // the old deadline, not one counted from the takeover
    expect(trunk.sourcestamp.changeIds).toEqual([4]);
    for (let i = 5; i <= 7; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 7);

    a.child.kill('SIGCONT');
    await waitFor('master A to stand by', async () => (await health(s.ports[0]))?.role === 'standby', 30_000, 100);
    await waitFor('A to log its step-down', () => a.log().includes('lost the lead; standing by'), 30_000, 100);
    expect((await health(s.ports[0]))!.master).toMatchObject({ pid: b.child.pid, token: '2' });
    expect(await leaderPid(s)).toBe(b.child.pid);

    // bb status names the leader and lists A as standing by.
    const status = await waitFor('bb status to list A as standby', async () => {
      const out = (await run(process.execPath, ['bin/bb.js', 'status'], { cwd: ROOT, env: { ...process.env, REDIS_URL: s.url, BB_PREFIX: s.prefix } })).stdout;
      return out.includes(`standby: `) && out.includes(` pid ${a.child.pid}, up since`) ? out : null;
    }, 30_000, 200);
    expect(status).toMatch(new RegExp(`master: \\S+ pid ${b.child.pid} leads \\(token 2\\)`));
    for (let i = 8; i <= 9; i++) await send(s, i);
    await everyChangeBuiltOnce(s, 9);
    expect(await queues.timers.armed()).toEqual([]);
    expect(await s.raw.get(s.keys.leaderSeq)).toBe('2');
  }, 240_000);

  it('a SIGSTOPped leader holding the IRC nick: the new leader has services free it and answers under it; resumed, the old leader leaves it be', async () => {
    const nick = 'bbfo';
    const sasl = { account: nick, password: 'failover-irc-pw' };
    await ircd.registerAccount(nick, sasl.password);
    const s = await setup('fonick', { nick, channel: '#ops', sasl });
    const human: IrcHuman = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'carol', channels: ['#ops'] });
    cleanups.push(() => human.quit().catch(() => undefined));
    const renames: Array<{ from: string; to: string }> = [];
    human.client.on('nick', (e) => renames.push({ from: e.nick, to: e.new_nick }));
    const [a, b] = await twoMasters(s);
    await waitFor(`${nick} in #ops`, async () => new RegExp(` 353 .*[ :@]${nick}(\\s|$)`).test(await human.command('NAMES #ops', / 353 /)), 30_000, 200);

    // Frozen, A's connection keeps the nick: the server would drop it only at its ping timeout (minutes).
    a.child.kill('SIGSTOP');
    await waitFor('master B to lead', async () => (await leaderPid(s)) === b.child.pid, 20_000, 20);
    const ledAt = Date.now();
    // B comes up under an alternative, logged in to the account that owns the nick, and takes the nick back.
    await waitFor(`B to take ${nick} back`, () => renames.some((r) => r.to === nick), 60_000, 50);
    console.log(`failover: the new leader answered to ${nick} again ${Date.now() - ledAt} ms after it took the lead`);
    expect(renames.find((r) => r.to === nick)!.from).toMatch(new RegExp(`^${nick}_+$`));
    const asked = human.seen.length;
    human.say('#ops', 'bb: status');
    const reply = await human.waitFor((m) => m.target === '#ops' && /^linux: idle/.test(m.text), 30_000, asked);
    expect(reply.nick).toBe(nick);

    // A wakes up, is fenced, steps down; it does not ask services for the nick, and B keeps it.
    a.child.kill('SIGCONT');
    await waitFor('A to log its step-down', () => a.log().includes('lost the lead; standing by'), 30_000, 100);
    await waitFor('master A to stand by', async () => (await health(s.ports[0]))?.role === 'standby', 30_000, 100);
    const again = human.seen.length;
    human.say('#ops', 'bb: status');
    const second = await human.waitFor((m) => m.target === '#ops' && /^linux: idle/.test(m.text), 30_000, again);
    expect(second.nick).toBe(nick);
    await human.command('NAMES #ops', / 353 /); // a round trip behind anything else said
    expect(human.seen.slice(again).filter((m) => m.target === '#ops' && /^linux: /.test(m.text)).map((m) => m.nick)).toEqual([nick]);
    // Nobody took the nick from B since it got it back.
    expect(renames.slice(renames.findIndex((r) => r.to === nick) + 1).filter((r) => r.from === nick)).toEqual([]);
  }, 240_000);
});
