import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../../src/data/keys.js';
import type { MasterBeat } from '../../src/data/lease.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { ROOT, spawnMaster, tempDir, waitFor, writeConfig, type Proc } from '../harness/bb.js';
import { freePort, startIrcd, type TestIrcd } from '../harness/ircd.js';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { httpRequest } from '../harness/http.js';

/**
 * Two `bb master` processes on one Redis prefix; the leader, A, reaches Redis through a TCP relay
 * (its own process) that blackholes the path mid-run: A's Redis commands hang unanswered and no
 * connection closes, while A keeps its link to the IRC server. A must stand down by its own clock
 * (its bot quits) before B's lease takeover, so that only B's bot answers; when the path returns,
 * A's stale commands arrive late and A stays standby, fenced.
 */

let ircd: TestIrcd;
beforeAll(async () => {
  ircd = await startIrcd();
}, 60_000);
afterAll(async () => {
  await ircd?.stop();
});

const procs: Proc[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const x of procs.splice(0)) await x.kill('SIGKILL');
  for (const c of cleanups.splice(0)) await c();
});

/** The blackhole relay (test/harness/blackhole-relay.mjs) in front of `target`; resolves once it listens. */
async function startRelay(target: URL): Promise<{ url: string; child: ChildProcess; cut(): Promise<void>; restore(): Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'test/harness/blackhole-relay.mjs'), target.hostname, target.port || '6379'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  cleanups.push(() => void child.kill('SIGKILL'));
  const port = await waitFor('the relay to listen', () => /listening (\d+)/.exec(out)?.[1], 10_000, 20);
  const said = (word: string, n: number) => waitFor(`the relay to say ${word}`, () => out.split('\n').filter((l) => l === word).length >= n, 10_000, 5);
  let cuts = 0;
  let restores = 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    cut: async () => {
      child.kill('SIGUSR1');
      await said('cut', ++cuts);
    },
    restore: async () => {
      child.kill('SIGUSR2');
      await said('restored', ++restores);
    },
  };
}

async function health(port: number): Promise<{ role: string } | null> {
  try {
    return (await httpRequest(port, 'GET', '/healthz')).json as { role: string };
  } catch {
    return null;
  }
}

describe('a leader cut off from Redis', () => {
  it('stands down by its own clock and leaves IRC; the standby leads and answers alone; back, the old leader stays standby', async () => {
    const { url } = await testRedis();
    const prefix = freshPrefix('fopart');
    const keys = new Keys(prefix);
    const dir = tempDir('fopart');
    const nick = 'bbpart';
    const ports = [await freePort(), await freePort()];
    const body = (port: number) => `{
  redis: { prefix: '${prefix}' },
  basedir: '${join(dir, 'master')}',
  executors: [{ name: 'a', secret: 'partition-secret-0123456789' }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'true' }] }],
  http: { port: ${port} },
  leader: { lease: '6s', renew: '2s', poll: '1s' },
  chat: { irc: { host: '127.0.0.1', port: ${ircd.port}, tls: false, nick: '${nick}', channels: ['#part'] } },
}`;
    const cfgA = writeConfig(dir, body(ports[0]!), 'master-a.ts');
    const cfgB = writeConfig(dir, body(ports[1]!), 'master-b.ts');
    const raw = new Redis(url);
    cleanups.push(async () => {
      raw.disconnect();
      await deletePrefix(url, prefix);
    });
    const relay = await startRelay(new URL(url));
    const human: IrcHuman = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'erin', channels: ['#part'] });
    cleanups.push(() => human.quit().catch(() => undefined));
    const quits: Array<{ nick: string; message: string }> = [];
    human.client.on('quit', (e: { nick: string; message: string }) => quits.push({ nick: e.nick, message: e.message }));
    const renames: Array<{ from: string; to: string }> = [];
    human.client.on('nick', (e: { nick: string; new_nick: string }) => renames.push({ from: e.nick, to: e.new_nick }));

    const leaderPid = async () => {
      const v = await raw.get(keys.master);
      return v ? (JSON.parse(v) as { pid: number }).pid : null;
    };
    const a = spawnMaster(cfgA, relay.url, dir, 'master-a');
    procs.push(a);
    await waitFor('master A to lead', async () => (await leaderPid()) === a.child.pid, 60_000, 100);
    const b = spawnMaster(cfgB, url, dir, 'master-b');
    procs.push(b);
    await waitFor('master B to stand by', async () => (await health(ports[1]!))?.role === 'standby', 60_000, 100);
    await waitFor(`${nick} in #part`, async () => new RegExp(` 353 .*[ :@]${nick}(\\s|$)`).test(await human.command('NAMES #part', / 353 /)), 30_000, 200);
    // A's bot holds the nick and answers.
    let asked = human.seen.length;
    human.say('#part', `${nick}: status`);
    expect((await human.waitFor((m) => m.target === '#part' && /^linux: /.test(m.text), 30_000, asked)).nick).toBe(nick);
    expect(await raw.get(keys.leaderSeq)).toBe('1');

    await relay.cut();
    const cutAt = Date.now();
    const stoodDown = () => a.log().slice(a.log().indexOf('"took the lead"')).includes('lost the lead; standing by');
    await waitFor('A to stand down by its own clock', stoodDown, 30_000, 20);
    const downMs = Date.now() - cutAt;
    expect(a.log()).toMatch(/no lease renewal confirmed by Redis within 5000 ms/);
    await waitFor("A's bot to quit IRC", () => quits.some((q) => q.nick === nick), 30_000, 20);
    const quitMs = Date.now() - cutAt;
    await waitFor('master B to lead', async () => (await leaderPid()) === b.child.pid, 30_000, 20);
    const ledMs = Date.now() - cutAt;
    console.log(`partition: cut to A standing down ${downMs} ms, to A's bot quitting IRC ${quitMs} ms, to B leading ${ledMs} ms (lease 6 s, renew 2 s, poll 1 s)`);
    expect(await raw.get(keys.leaderSeq)).toBe('2');

    // B's bot holds the nick (at once, or under an alternative first and then renamed) and answers, alone.
    await waitFor(`B's bot as ${nick} in #part`, async () => new RegExp(` 353 .*[ :@]${nick}(\\s|$)`).test(await human.command('NAMES #part', / 353 /)), 60_000, 200);
    asked = human.seen.length;
    human.say('#part', `${nick}: status`);
    const reply = await human.waitFor((m) => m.target === '#part' && /^linux: /.test(m.text), 30_000, asked);
    expect(reply.nick).toBe(nick);
    await human.command('NAMES #part', / 353 /); // a round trip behind anything else said
    expect(human.seen.slice(asked).filter((m) => m.target === '#part' && /^linux: /.test(m.text)).map((m) => m.nick)).toEqual([nick]);

    // The path returns: A's stale commands reach Redis late. A talks to Redis again (its standby
    // heartbeat), takes nothing back, and writes nothing a leader writes.
    await relay.restore();
    const restoredAt = Date.now();
    const beatA = async () => {
      const v = await raw.hget(keys.masters, Object.keys(await raw.hgetall(keys.masters)).find((f) => f.endsWith(`:${a.child.pid}`)) ?? '');
      return v ? (JSON.parse(v) as MasterBeat) : null;
    };
    await waitFor('A heard from again, as a standby', async () => {
      const beat = await beatA();
      return beat && beat.role === 'standby' && beat.seen > restoredAt;
    }, 60_000, 100);
    await waitFor('A /healthz to answer as a standby', async () => (await health(ports[0]!))?.role === 'standby', 30_000, 100);
    // Two more of A's polls answered (a poll a second): still B's lease and token.
    const first = (await beatA())!.seen;
    await waitFor('A to poll twice more', async () => ((await beatA())?.seen ?? 0) >= first + 2000, 30_000, 100);
    expect(await leaderPid()).toBe(b.child.pid);
    expect(await raw.get(keys.leaderSeq)).toBe('2');
    expect(a.log().slice(a.log().indexOf('lost the lead; standing by'))).not.toContain('"took the lead"');
    // B's bot still holds the nick and answers alone.
    asked = human.seen.length;
    human.say('#part', `${nick}: status`);
    expect((await human.waitFor((m) => m.target === '#part' && /^linux: /.test(m.text), 30_000, asked)).nick).toBe(nick);
    await human.command('NAMES #part', / 353 /);
    expect(human.seen.slice(asked).filter((m) => m.target === '#part' && /^linux: /.test(m.text))).toHaveLength(1);
    expect(renames.filter((r) => r.from === nick)).toEqual([]);
  }, 240_000);
});
