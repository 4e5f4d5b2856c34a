import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, spawnMaster, tempDir, waitFor, writeConfig, type Proc } from '../harness/bb.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { freePort } from '../harness/ircd.js';
import { httpRequest } from '../harness/http.js';
import { testConfig, type BuilderInput, type TestConfig } from '../harness/config.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { Store } from '../../src/data/store.js';
import { Keys } from '../../src/data/keys.js';
import { hostname } from 'node:os';

/**
 * `bb reconfig` and SIGHUP against a spawned master on real Redis, with a real executor; and a
 * master with chat on a real InspIRCd, whose IRC connection survives a reload that leaves its
 * settings alone.
 */

const builder = (name: string, command: string): BuilderInput => ({ name, executors: ['a'], steps: [{ type: 'shell', name: 'run', command }] });

function config(o: { builders: BuilderInput[]; trunk: string[]; more?: Partial<TestConfig>; basedir?: string }): TestConfig {
  return testConfig({
    basedir: o.basedir ?? 'BASEDIR',
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: o.builders,
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: o.trunk },
      { type: 'nightly', name: 'nightly', branch: 'main', hour: 3, minute: 0, builders: ['linux'] },
      { type: 'force', name: 'force', builders: o.trunk },
    ],
    ...o.more,
  });
}

let fx: PipelineFixture | undefined;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  await fx?.close();
  fx = undefined;
});

describe('reconfig of a running master', () => {
  it('bb reconfig and SIGHUP change builders and schedulers in place; a running build and the timers carry on; a bad config is refused', async () => {
    const go = join('/tmp', `bb-reconfig-go-${process.pid}-${Date.now()}`);
    const linux = builder('linux', `while [ ! -e ${go} ]; do sleep 0.1; done; echo built`);
    const docs = builder('docs', 'echo docs');
    fx = await PipelineFixture.create('reconfig', config({ builders: [linux], trunk: ['linux'] }));
    const f = fx;
    const rewrite = (c: TestConfig) => f.writeConfig(c);
    const conn = new Redis(f.redisUrl);
    stops.push(async () => conn.disconnect());
    const store = new Store(conn, f.prefix);
    const master: Proc = spawnMaster(f.configPath, f.redisUrl, f.dir);
    stops.push(() => master.kill());
    await waitFor('the master', async () => (await store.configSummary()) !== null, 60_000);
    await f.startExecutor('a', SECRET_A);

    // A build that runs until the test lets it finish, and the nightly's armed deadline.
    await f.client.sendChange({ author: 'Brian Warner <warner@example.org>', branch: 'main', files: ['a.c'], revision: 'aaaa0001' });
    const running = await waitFor('linux #1 running', async () => (await store.activeBuilds()).find((b) => b.builder === 'linux' && b.startedAt) ?? null, 60_000);
    const nightlyNext = (await store.timed.read('nightly')).next;
    expect(nightlyNext).toBeGreaterThan(Date.now());

    // bb reconfig: a new builder on the trunk scheduler, and users.
    rewrite(config({ builders: [linux, docs], trunk: ['linux', 'docs'], more: { users: { admins: ['warner'] } } }));
    const cli = spawnBb(['reconfig', '--redis', f.redisUrl, '--prefix', f.prefix], { logDir: f.dir, label: 'cli-reconfig' });
    expect(await cli.exited).toBe(0);
    expect(cli.log()).toContain('config reloaded:');
    expect(cli.log()).toContain('builders: added docs');
    expect(cli.log()).toContain('schedulers: changed trunk, force');
    expect(cli.log()).toContain('users: changed');
    expect((await store.configSummary())!.builders.map((b) => b.name)).toEqual(['linux', 'docs']);
    expect((await store.timed.read('nightly')).next).toBe(nightlyNext);

    // The build that ran through the reload finishes; a new change builds the new builder too.
    writeFileSync(go, '');
    stops.push(async () => (await import('node:fs')).rmSync(go, { force: true }));
    const done = await waitFor('linux #1 finished', async () => {
      const b = await store.getBuild(running.id);
      return b?.state === 'finished' ? b : null;
    }, 60_000);
    expect(done.result).toBe('SUCCESS');
    await f.client.sendChange({ author: 'Brian Warner <warner@example.org>', branch: 'main', files: ['b.c'], revision: 'aaaa0002' });
    const docsBuild = await waitFor('a docs build', async () => (await store.lastBuilds('docs', 1))[0]?.state === 'finished' ? (await store.lastBuilds('docs', 1))[0] : null, 60_000);
    expect(docsBuild!.result).toBe('SUCCESS');

    // A config that fails the check is refused with its reasons; the running one stays.
    rewrite(config({ builders: [linux, docs, { name: 'bad', executors: ['zz'], steps: [] }], trunk: ['linux', 'docs'] }));
    const bad = spawnBb(['reconfig', '--redis', f.redisUrl, '--prefix', f.prefix], { logDir: f.dir, label: 'cli-reconfig-bad' });
    expect(await bad.exited).toBe(1);
    expect(bad.log()).toContain('config reload refused; the running config stays');
    expect(bad.log()).toMatch(/builders\[2\]\.executors\[0\]: unknown executor "zz"/);
    // So is one that changes what needs a restart.
    rewrite(config({ builders: [linux, docs], trunk: ['linux', 'docs'], basedir: join(f.dir, 'elsewhere') }));
    const moved = spawnBb(['reconfig', '--redis', f.redisUrl, '--prefix', f.prefix], { logDir: f.dir, label: 'cli-reconfig-basedir' });
    expect(await moved.exited).toBe(1);
    expect(moved.log()).toContain('basedir cannot change while the master runs');
    expect((await store.configSummary())!.builders.map((b) => b.name)).toEqual(['linux', 'docs']);

    // SIGHUP does the same as bb reconfig: docs goes away.
    rewrite(config({ builders: [linux], trunk: ['linux'] }));
    master.child.kill('SIGHUP');
    await waitFor('docs gone after SIGHUP', async () => (await store.configSummary())!.builders.length === 1, 30_000);
    await waitFor('the reload in the log', () => master.log().includes('"msg":"config reloaded"'), 10_000);
    expect(master.child.exitCode).toBeNull();
    expect((await store.timed.read('nightly')).next).toBe(nightlyNext);
  }, 180_000);
});

describe('reconfig and chat', () => {
  it('an IRC bot whose settings did not change stays connected; the reload is said on the announce channel; new IRC settings reconnect it', async () => {
    const ircd: TestIrcd = await startIrcd();
    stops.push(() => ircd.stop());
    const chat = (channels: string[], more: { rateLimit?: number } = {}): Partial<TestConfig> => ({
      chat: {
        botName: 'bb',
        irc: { host: '127.0.0.1', port: ircd.port, tls: false, nick: 'bbreconf', channels },
        announce: [{ target: 'irc:#dev', events: ['failure'] }],
        ...more,
      },
    });
    const linux = builder('linux', 'true');
    fx = await PipelineFixture.create('reconfig-irc', config({ builders: [linux], trunk: ['linux'], more: chat(['#dev']) }));
    const f = fx;
    const rewrite = (c: TestConfig) => f.writeConfig(c);
    const human: IrcHuman = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'warner', channels: ['#dev', '#ops'] });
    stops.push(() => human.quit());
    const botEvents: string[] = [];
    human.client.on('join', (e: { nick: string; channel: string }) => void (e.nick === 'bbreconf' && botEvents.push(`join ${e.channel}`)));
    human.client.on('quit', (e: { nick: string }) => void (e.nick === 'bbreconf' && botEvents.push('quit')));
    const master = await f.startMaster({ configFile: f.configPath, chatTuning: { irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 } } } });
    await waitFor('the bot in #dev', () => botEvents.includes('join #dev'), 30_000);
    const irc = master.chat!.transport('irc');
    const from = human.seen.length;
    human.say('#dev', 'bb: status docs');
    expect((await human.waitFor((m) => m.nick === 'bbreconf', 15_000, from)).text).toMatch(/docs/);

    // Chat settings (rate limit) and builders change; the IRC settings do not: no reconnect.
    rewrite(config({ builders: [linux, builder('docs', 'true')], trunk: ['linux', 'docs'], more: chat(['#dev'], { rateLimit: 30 }) }));
    const seenBefore = human.seen.length;
    const outcome = await master.reload();
    expect(outcome).toMatchObject({ ok: true, reconnected: [] });
    expect(master.chat!.transport('irc')).toBe(irc);
    const notice = await human.waitFor((m) => m.nick === 'bbreconf' && m.target === '#dev' && m.text.startsWith('config reloaded'), 15_000, seenBefore);
    expect(notice.text).toContain('builders: added docs');
    expect(notice.text).toContain('chat: changed rateLimit');
    const asked = human.seen.length;
    human.say('#dev', 'bb: status docs');
    expect((await human.waitFor((m) => m.nick === 'bbreconf' && m.target === '#dev', 15_000, asked)).text).toMatch(/^docs: /);
    expect(botEvents).toEqual(['join #dev']);

    // A refused config is said on the channel too.
    rewrite(config({ builders: [linux, { name: 'bad', executors: ['zz'], steps: [] }], trunk: ['linux'], more: chat(['#dev']) }));
    const refusedAt = human.seen.length;
    expect(await master.reload()).toMatchObject({ ok: false });
    expect((await human.waitFor((m) => m.nick === 'bbreconf' && m.text.startsWith('config reload refused'), 15_000, refusedAt)).text).toContain('unknown executor "zz"');

    // New IRC settings (another channel): the IRC transport is made again and joins both.
    rewrite(config({ builders: [linux], trunk: ['linux'], more: chat(['#dev', '#ops']) }));
    expect(await master.reload()).toMatchObject({ ok: true, reconnected: ['irc'] });
    expect(master.chat!.transport('irc')).not.toBe(irc);
    await waitFor('the bot back in #dev and in #ops', () => botEvents.includes('join #ops') && botEvents.filter((e) => e === 'join #dev').length === 2, 30_000);
  }, 180_000);
});

describe('bb reconfig with two masters', () => {
  it('reaches the leader and the standby, each reporting; a standby that refuses a bad file keeps its old config and leads with it', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('reconf2');
    const dir = tempDir('reconf2');
    const ports = [await freePort(), await freePort()];
    const body = (port: number, builders: string[], bad = false, lease = '3s') => `{
  redis: { prefix: '${prefix}' },
  leader: { lease: '${lease}', renew: '1s', poll: '200ms' },
  basedir: '${join(dir, 'master')}',
  executors: [{ name: 'a', secret: '${SECRET_A}' }],
  builders: [${builders.map((b) => `{ name: '${b}', executors: ['a'], steps: [{ type: 'shell', name: 'run', command: 'true' }] }`).join(', ')}${bad ? `, { name: 'bad', executors: ['zz'], steps: [] }` : ''}],
  schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: [${builders.map((b) => `'${b}'`).join(', ')}] }],
  http: { port: ${port} },
}`;
    const files = ['master-a.ts', 'master-b.ts'];
    const write = (i: number, builders: string[], bad = false, lease?: string) => writeConfig(dir, body(ports[i]!, builders, bad, lease), files[i]);
    const [fileA, fileB] = [write(0, ['linux']), write(1, ['linux'])];
    const conn = new Redis(url);
    const store = new Store(conn, prefix);
    stops.push(async () => {
      conn.disconnect();
      await deletePrefix(url, prefix);
    });
    const health = async (port: number) => ((await httpRequest(port, 'GET', '/healthz').catch(() => null))?.json ?? null) as { role: string } | null;
    const a = spawnMaster(fileA, url, dir, 'master-a');
    stops.push(() => a.kill('SIGKILL'));
    await waitFor('master A to lead', async () => (await health(ports[0]!))?.role === 'leader', 60_000, 100);
    const b = spawnMaster(fileB, url, dir, 'master-b');
    stops.push(() => b.kill('SIGKILL'));
    await waitFor('master B to stand by', async () => (await health(ports[1]!))?.role === 'standby', 60_000, 100);
    // The lease timing is the config's: a 3 s lease, the standby's heartbeat every 200 ms (its poll).
    const keys = new Keys(prefix);
    const pttl = await conn.pttl(keys.leader);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(3000);
    const beatB = JSON.parse((await conn.hget(keys.masters, `${hostname()}:${b.child.pid}`))!) as { everyMs: number; ttlMs: number; role: string };
    expect(beatB).toMatchObject({ everyMs: 200, ttlMs: 3000, role: 'standby' });
    const reconfig = (label: string) => spawnBb(['reconfig', '--redis', url, '--prefix', prefix], { logDir: dir, label });
    const line = (p: Proc, pid: number) => p.log().split('\n').find((l) => l.includes(` pid ${pid} (`)) ?? '';

    // Both files gain a builder and a longer lease: both masters apply them and say so.
    write(0, ['linux', 'docs'], false, '8s');
    write(1, ['linux', 'docs'], false, '8s');
    const both = reconfig('cli-both');
    expect(await both.exited).toBe(0);
    expect(line(both, a.child.pid!)).toMatch(/ \(leader\): config reloaded:$/);
    expect(line(both, b.child.pid!)).toMatch(/ \(standby\): config reloaded:$/);
    expect(both.log().match(/builders: added docs/g)).toHaveLength(2);
    expect((await store.configSummary())!.builders.map((x) => x.name)).toEqual(['linux', 'docs']);
    await waitFor('B to log its reload', () => b.log().includes('"msg":"config reloaded"'), 10_000);
    expect(both.log().match(/leader: changed/g)).toHaveLength(2);
    await waitFor('the lease renewed with its new TTL', async () => (await conn.pttl(keys.leader)) > 3000, 10_000, 100);
    await waitFor("B's heartbeat with the new TTL", async () => JSON.parse((await conn.hget(keys.masters, `${hostname()}:${b.child.pid}`))!).ttlMs === 8000, 10_000, 100);

    // B's file turns bad while A's changes: A applies, B refuses with the reason; bb reconfig fails.
    write(0, ['linux', 'docs', 'tests'], false, '8s');
    write(1, ['linux', 'docs'], true, '8s');
    const split = reconfig('cli-split');
    expect(await split.exited).toBe(1);
    expect(line(split, a.child.pid!)).toMatch(/ \(leader\): config reloaded:$/);
    expect(line(split, b.child.pid!)).toMatch(/ \(standby\): config reload refused; the running config stays:$/);
    expect(split.log()).toMatch(/builders\[2\]\.executors\[0\]: unknown executor "zz"/);
    expect(split.log()).toContain('1 of 2 masters did not apply the config');
    expect((await store.configSummary())!.builders.map((x) => x.name)).toEqual(['linux', 'docs', 'tests']);

    // A goes; B leads with the config it kept (linux and docs, from the reload it applied).
    await a.kill('SIGKILL');
    await waitFor('master B to lead', async () => (await health(ports[1]!))?.role === 'leader', 30_000, 100);
    await waitFor("B's config summary", async () => (await store.configSummary())!.builders.length === 2, 30_000, 100);
    expect((await store.configSummary())!.builders.map((x) => x.name)).toEqual(['linux', 'docs']);

    // With A gone, bb reconfig asks B alone (A's stale heartbeat is not waited for).
    write(1, ['linux'], false, '8s');
    const alone = reconfig('cli-alone');
    expect(await alone.exited).toBe(0);
    expect(line(alone, b.child.pid!)).toMatch(/ \(leader\): config reloaded:$/);
    expect(alone.log()).toContain('builders: removed docs');
  }, 180_000);
});
