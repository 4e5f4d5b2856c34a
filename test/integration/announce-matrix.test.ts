import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MatrixTransport } from '../../src/chat/matrix/matrix-transport.js';
import type { ChatOutbox } from '../../src/chat/outbox.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { Store } from '../../src/data/store.js';
import { createLogger } from '../../src/log.js';
import { startAnnouncer } from '../../src/notify/announcer.js';
import { MatrixHuman, waitFor } from '../harness/matrix-human.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { StoreBuilds } from '../harness/store-builds.js';
import { startSynapse, type TestSynapse } from '../harness/synapse.js';

let synapse: TestSynapse;
let transport: MatrixTransport;
let alice: MatrixHuman;
let botId: string;
let dir: string;

/** The smallest outbox over one Matrix transport: `matrix:<room>` targets and DMs. */
function matrixOutbox(t: MatrixTransport): ChatOutbox {
  return {
    send: (target, text, opts = {}) => t.send(target.replace(/^matrix:/, ''), text, opts.html !== undefined ? { html: opts.html } : {}),
    sendDirect: (_kind, user, text, opts = {}) => t.sendDirect(user, text, opts.html !== undefined ? { html: opts.html } : {}),
    targets: () => [],
  };
}

beforeAll(async () => {
  synapse = await startSynapse();
  botId = (await synapse.registerUser('bb', 'bot-password')).userId;
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  dir = mkdtempSync(join(tmpdir(), 'bb-announce-matrix-'));
  transport = new MatrixTransport({
    homeserverUrl: synapse.url,
    login: { user: 'bb', password: 'bot-password' },
    storageFile: join(dir, 'matrix.json'),
    botName: 'bb',
    invites: { users: [alice.userId] },
  });
  await transport.start();
});

afterAll(async () => {
  await transport?.stop();
  await synapse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('announcements on a real Synapse', () => {
  it('a failure arrives in the room as an HTML notice, everything from the build escaped', async () => {
    const room = await alice.createRoom({ name: 'builds' });
    await alice.invite(room, botId);
    await waitFor('the bot to join', async () => (await alice.membership(room, botId)) === 'join');

    const url = (await testRedis()).url;
    const prefix = freshPrefix('announce-mx');
    const redis = new Redis(url);
    const store = new Store(redis, prefix);
    const config = masterConfigSchema.parse({
      redis: { prefix },
      titleUrl: 'https://ci.example.org',
      executors: [{ name: 'a', secret: 'x'.repeat(16) }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      chat: { announce: [{ target: `matrix:${room}`, events: ['failure'] }] },
    });
    const announcer = startAnnouncer({ store, config, outbox: matrixOutbox(transport), log: createLogger('test', { level: 'silent' }) });
    try {
      await new StoreBuilds(store).run('linux', {
        result: 'FAILURE',
        failSteps: ['test'],
        failTests: ['<script>alert(1)</script>', 'a&b'],
        authors: ['Eve <b>bold</b> <eve@example.org>'],
      });
      await announcer.idle();
      const notice = await waitFor('the announcement in the room', async () =>
        (await alice.messages(room)).find((e) => e.sender === botId && e.type === 'm.room.message'),
      );
      expect(notice.content.msgtype).toBe('m.notice');
      expect(notice.content.format).toBe('org.matrix.custom.html');
      expect(notice.content.body).toBe(
        'linux #1: FAILURE in test; failed tests: <script>alert(1)</script>, a&b | 00001000 by Eve <b>bold</b> | https://ci.example.org/builders/linux/builds/1',
      );
      expect(notice.content.formatted_body).toBe(
        '<b>linux</b> #1: <font color="#c62828" data-mx-color="#c62828"><b>FAILURE</b></font> in <code>test</code>; ' +
          'failed tests: <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>, <code>a&amp;b</code> | <code>00001000</code> by Eve &lt;b&gt;bold&lt;/b&gt; | ' +
          '<a href="https://ci.example.org/builders/linux/builds/1">https://ci.example.org/builders/linux/builds/1</a>',
      );
    } finally {
      await announcer.stop();
      redis.disconnect();
      await deletePrefix(url, prefix);
    }
  });
});
