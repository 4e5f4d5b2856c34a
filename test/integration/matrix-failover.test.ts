import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MatrixClient } from 'matrix-bot-sdk';
import { MatrixTransport } from '../../src/chat/matrix/matrix-transport.js';
import { OutboxDrain } from '../../src/chat/outbox-drain.js';
import { DEFAULT_BACKLOG } from '../../src/chat/backlog.js';
import type { ChatTransport } from '../../src/chat/transport.js';
import { Store } from '../../src/data/store.js';
import { createLogger } from '../../src/log.js';
import { MatrixHuman, waitFor, type MatrixEvent } from '../harness/matrix-human.js';
import { startSynapse, type TestMatrixUser, type TestSynapse } from '../harness/synapse.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import type { ChatOutbox, OutboxOptions } from '../../src/chat/outbox.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { startAnnouncer, type Announcer } from '../../src/notify/announcer.js';
import { StoredSubscriptions } from '../../src/notify/stored-subscriptions.js';
import { parseAudienceKey } from '../../src/notify/audience.js';
import { StoreBuilds } from '../harness/store-builds.js';

/**
 * A chat line across a failover on a real Synapse: the homeserver keeps one event per transaction
 * id and device (checked here first, as bb relies on it), every master's password login uses the
 * same device, and the outbox entry's id is the transaction id. So a leader killed after Synapse
 * took a line and before it removed the line from the outbox leaves it there, the new leader sends
 * it again, and the room still has it once.
 */

const BOT_PASSWORD = 'bot-failover-password';
const log = createLogger('test', { level: 'silent' });

let synapse: TestSynapse;
let bot: TestMatrixUser;
let alice: MatrixHuman;
let room: string;
let dir: string;
const transports: MatrixTransport[] = [];

beforeAll(async () => {
  synapse = await startSynapse();
  bot = await synapse.registerUser('bb', BOT_PASSWORD);
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  room = await alice.createRoom({ preset: 'public_chat', name: 'builds' });
  dir = mkdtempSync(join(tmpdir(), 'bb-mxfail-'));
}, 120_000);

afterEach(async () => {
  for (const t of transports.splice(0)) await t.stop();
});

afterAll(async () => {
  await synapse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A master's Matrix transport: its own password login and storage file, as on its own host. */
async function transport(name: string): Promise<MatrixTransport> {
  const t = new MatrixTransport({ homeserverUrl: synapse.url, login: { user: 'bb', password: BOT_PASSWORD }, storageFile: join(dir, `${name}.json`), botName: 'bb', rooms: [room], log });
  transports.push(t);
  await t.start();
  await waitFor(`${name} in the room`, async () => (await alice.membership(room, bot.userId)) === 'join');
  return t;
}

const saying = (events: MatrixEvent[], text: string) => events.filter((e) => e.sender === bot.userId && e.type === 'm.room.message' && e.content.body === text);

describe('one Matrix message across a failover', () => {
  it('Synapse: two clients with one access token and one transaction id make one event; another device makes its own', async () => {
    const one = new MatrixClient(synapse.url, bot.accessToken);
    const two = new MatrixClient(synapse.url, bot.accessToken);
    await one.joinRoom(room);
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/probe-1`;
    const a = (await one.doRequest('PUT', path, null, { msgtype: 'm.notice', body: 'probe 1' })) as { event_id: string };
    const b = (await two.doRequest('PUT', path, null, { msgtype: 'm.notice', body: 'probe 1' })) as { event_id: string };
    expect(b.event_id).toBe(a.event_id);
    // A password login without a device id is a new device: the same transaction id is a new event.
    const res = await fetch(`${synapse.url}/_matrix/client/v3/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'bb' }, password: BOT_PASSWORD }),
    });
    const other = new MatrixClient(synapse.url, ((await res.json()) as { access_token: string }).access_token);
    const c = (await other.doRequest('PUT', path, null, { msgtype: 'm.notice', body: 'probe 1' })) as { event_id: string };
    expect(c.event_id).not.toBe(a.event_id);
    expect(saying(await alice.messages(room), 'probe 1')).toHaveLength(2);
  });

  it('two masters\' transports (each its own login) share a device: one message per id, and two without one', async () => {
    const a = await transport('ids-a');
    const b = await transport('ids-b');
    await a.send(room, 'linux #7: FAILURE', { txnId: 'entry-7' });
    await b.send(room, 'linux #7: FAILURE', { txnId: 'entry-7' });
    await a.send(room, 'linux #8: SUCCESS');
    await b.send(room, 'linux #8: SUCCESS');
    const events = await alice.messages(room);
    expect(saying(events, 'linux #7: FAILURE')).toHaveLength(1);
    expect(saying(events, 'linux #8: SUCCESS')).toHaveLength(2);
  });

  it('a leader killed between Synapse taking a line and removing it from the outbox: the new leader sends it again, and the room has it once', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('mxfail');
    const redisA = new Redis(url);
    const redisB = new Redis(url);
    try {
      const storeA = new Store(redisA, prefix);
      const storeB = new Store(redisB, prefix);
      const ta = await transport('kill-a');
      // Master A's transport: Synapse takes the line, and A dies before the drain removes it.
      let reached!: () => void;
      const sent = new Promise<void>((r) => (reached = r));
      const dying: ChatTransport = {
        kind: 'matrix',
        botName: 'bb',
        start: () => ta.start(),
        stop: () => ta.stop(),
        onMessage: () => undefined,
        ready: () => ta.ready(),
        send: async (target, text, opts) => {
          await ta.send(target, text, opts);
          reached();
          await new Promise<never>(() => undefined);
        },
        sendDirect: (user, text, opts) => ta.sendDirect(user, text, opts),
      };
      const text = 'linux #9: FAILURE (failover)';
      await storeA.outbox.push('matrix', { v: 1, at: Date.now(), to: room, direct: false, text, tally: 'FAILURE' });
      const [entry] = await storeA.outbox.peek('matrix', 1);
      expect(entry!.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      const drainA = new OutboxDrain(storeA, dying, log, DEFAULT_BACKLOG);
      drainA.kick();
      await sent;
      expect(saying(await alice.messages(room), text)).toHaveLength(1);
      expect(await storeB.outbox.length('matrix')).toBe(1);
      // A is gone (kill -9: its connection drops, its drain never gets further).
      drainA.stop();
      redisA.disconnect();
      await ta.stop();

      const tb = await transport('kill-b');
      const drainB = new OutboxDrain(storeB, tb, log, DEFAULT_BACKLOG);
      drainB.kick();
      await waitFor('the outbox drained by B', async () => (await storeB.outbox.length('matrix')) === 0);
      await drainB.settled();
      drainB.stop();
      expect(saying(await alice.messages(room), text)).toHaveLength(1);
      expect(tb.lines().sent).toBe(1); // B did send it: Synapse answered with A's event
    } finally {
      redisA.disconnect();
      redisB.disconnect();
      await deletePrefix(url, prefix);
    }
  });

  it('an announcement decided twice (the leader died after storing its line, before marking it done): two outbox entries, one event', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('mxann');
    const redisA = new Redis(url);
    const redisB = new Redis(url);
    const announcers: Announcer[] = [];
    try {
      const config = masterConfigSchema.parse({
        redis: { prefix },
        executors: [{ name: 'a', secret: 'x'.repeat(16) }],
        builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      });
      const storeA = new Store(redisA, prefix);
      const storeB = new Store(redisB, prefix);
      /** A master's chat outbox (what ChatService does: into Redis); A's dies right after its push. */
      const outbox = (store: Store, dies: boolean, pushed?: () => void): ChatOutbox => ({
        async send(target: string, text: string, opts: OutboxOptions = {}) {
          await store.outbox.push('matrix', { v: 1, at: Date.now(), to: target.slice('matrix:'.length), direct: false, text, ...opts });
          pushed?.();
          if (dies) await new Promise<never>(() => undefined);
        },
        async sendDirect() {
          throw new Error('no DMs here');
        },
        targets: () => [],
      });
      await new StoredSubscriptions(storeA, config).subscribe(parseAudienceKey(`matrix:${room}`)!, ['finished']);
      let pushed!: () => void;
      const stored = new Promise<void>((r) => (pushed = r));
      announcers.push(startAnnouncer({ store: storeA, config, outbox: outbox(storeA, true, pushed), log }));
      const build = await new StoreBuilds(storeA).run('linux', { result: 'FAILURE', failSteps: ['test'] });
      await stored;
      redisA.disconnect();
      // B leads: the announcement is still taken, so B decides it again and stores its line again.
      const b = startAnnouncer({ store: storeB, config, outbox: outbox(storeB, false), log });
      announcers.push(b);
      await b.idle();
      const entries = (await storeB.outbox.peek('matrix', 10)).map((e) => e!);
      expect(entries).toHaveLength(2);
      expect(entries[0]!.id).toBe(`finished:${build.id}|matrix:${room}`);
      expect(entries[1]!.id).toBe(entries[0]!.id);
      const text = entries[0]!.text;
      const tb = await transport('ann-b');
      const drain = new OutboxDrain(storeB, tb, log, DEFAULT_BACKLOG);
      drain.kick();
      await waitFor('the outbox drained', async () => (await storeB.outbox.length('matrix')) === 0);
      await drain.settled();
      drain.stop();
      expect(tb.lines().sent).toBe(2);
      expect(saying(await alice.messages(room), text)).toHaveLength(1);
    } finally {
      for (const a of announcers) void a.stop().catch(() => undefined);
      redisA.disconnect();
      redisB.disconnect();
      await deletePrefix(url, prefix);
    }
  });
});
