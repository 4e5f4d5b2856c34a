import { get } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellTransport } from '../../src/chat/shell.js';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { MatrixHuman, waitFor } from '../harness/matrix-human.js';
import { PipelineFixture } from '../harness/pipeline.js';
import { startSynapse, type TestSynapse } from '../harness/synapse.js';
import { testConfig } from '../harness/config.js';

/**
 * /healthz and /metrics of a master talking on a real InspIRCd, a real Synapse and a shell: each
 * transport's connection state (true, and false while its network is gone), and the chat lines
 * said and queued per transport after a real exchange on each.
 */

const BOT_SASL = 'bot-sasl-password';
const BOT_MX = 'bot-matrix-password';
const tuning = {
  irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 }, queryTimeoutMs: 3000 },
  drain: { retryMs: 200, maxRetryMs: 1000, pollMs: 50 },
};

let ircd: TestIrcd;
let synapse: TestSynapse;
let fx: PipelineFixture;
let alice: MatrixHuman;
let botId: string;
let room: string;
let brian: IrcHuman | undefined;
let port: number;
const shellIn = new PassThrough();
const shellOut = new PassThrough();
let shellSeen = '';
shellOut.on('data', (d: Buffer) => (shellSeen += d.toString()));

const fetchText = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
type Health = { ok: boolean; chat: Array<{ transport: string; connected: boolean | null; lines?: { sent: number; queued: number } }> };
const health = async () => JSON.parse((await fetchText('/healthz')).body) as Health;
const connected = async (transport: string) => (await health()).chat.find((t) => t.transport === transport)?.connected;
/** One sample of /metrics: `metric{transport="x"}`'s value, or undefined. */
async function sample(metric: string, transport: string): Promise<number | undefined> {
  const text = (await fetchText('/metrics')).body;
  const m = new RegExp(`^${metric}\\{transport="${transport}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

beforeAll(async () => {
  [ircd, synapse] = await Promise.all([startIrcd(), startSynapse()]);
  await ircd.registerAccount('bbbot', BOT_SASL);
  await ircd.registerAccount('brian', 'brian-password');
  botId = (await synapse.registerUser('bb', BOT_MX)).userId;
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  room = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'builds', name: 'builds' });
  fx = await PipelineFixture.create('webchat', testConfig({
    http: { host: '127.0.0.1', port: 0 },
    executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    chat: {
      irc: { host: '127.0.0.1', port: ircd.port, tls: false, nick: 'bb', sasl: { account: 'bbbot', password: { value: BOT_SASL } }, channels: ['#dev'], throttle: { burst: 20, intervalMs: 100 } },
      matrix: { homeserverUrl: synapse.url, login: { user: 'bb', password: { value: BOT_MX } }, rooms: ['#builds:localhost'], invites: { users: [alice.userId] } },
    },
  }));
  const master = await fx.startMaster({ chatTuning: tuning });
  await master.addChatTransport(new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input: shellIn, output: shellOut }), ['#dev']);
  port = master.http!.address!.port;
}, 180_000);

afterAll(async () => {
  await brian?.quit().catch(() => undefined);
  await fx?.close();
  await Promise.all([ircd?.stop(), synapse?.stop()]);
});

describe('/healthz and /metrics see every chat transport', () => {
  it('reports each transport connected, counts the lines said after a real exchange on each, and sees an outage and a quit', async () => {
    // Connected, each of them: true, not null.
    await waitFor('IRC, Matrix and the shell connected', async () => {
      const h = await health();
      return h.chat.length === 3 && h.chat.every((t) => t.connected === true) ? h : null;
    }, 60_000);
    expect((await health()).chat.map((t) => t.transport)).toEqual(['irc', 'matrix', 'shell']);

    // A real exchange on each network.
    brian = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'brian', sasl: { account: 'brian', password: 'brian-password' }, channels: ['#dev'] });
    await waitFor('the bot in #dev', async () => (await brian!.command('NAMES #dev', / 353 /)).includes('bb'), 20_000);
    brian.say('#dev', 'bb: status linux');
    await brian.waitFor((m) => m.nick === 'bb' && m.target === '#dev' && /^linux:/.test(m.text), 20_000);
    await waitFor('the bot in #builds', async () => (await alice.membership(room, botId)) === 'join', 30_000);
    await alice.say(room, 'bb: status linux');
    await waitFor('the Matrix reply', async () => (await alice.messages(room)).find((e) => e.sender === botId && /^linux:/.test(String(e.content.body))), 30_000);
    shellIn.write('bb: status linux\n');
    await waitFor('the shell reply', () => (/<bb> linux:/.test(shellSeen) ? true : null));

    const scraped = (await fetchText('/metrics')).body;
    for (const t of ['irc', 'matrix', 'shell']) {
      expect(Number(new RegExp(`^bb_chat_lines_sent_total\\{transport="${t}"\\} (\\S+)$`, 'm').exec(scraped)?.[1])).toBeGreaterThanOrEqual(1);
      expect(scraped).toMatch(new RegExp(`^bb_chat_lines_queued\\{transport="${t}"\\} 0$`, 'm'));
      expect(scraped).toMatch(new RegExp(`^bb_chat_outbox_queued\\{transport="${t}"\\} 0$`, 'm'));
      expect(scraped).toMatch(new RegExp(`^bb_chat_connected\\{transport="${t}"\\} 1$`, 'm'));
    }
    expect(scraped).toContain('# TYPE bb_chat_lines_sent_total counter');
    // The counter only grows: another reply adds its line to what was counted.
    const before = (await sample('bb_chat_lines_sent_total', 'shell'))!;
    shellIn.write('/msg bb version\n');
    await waitFor('the DM reply', () => (/\[DM to warner\] <bb> /.test(shellSeen) ? true : null));
    expect(await sample('bb_chat_lines_sent_total', 'shell')).toBeGreaterThan(before);

    // Synapse gone: Matrix is not connected, /healthz says 503, and what bb says waits in the outbox.
    await synapse.kill();
    await waitFor('Matrix disconnected', async () => (await connected('matrix')) === false, 60_000);
    expect((await fetchText('/healthz')).status).toBe(503);
    await fx.master!.chat!.send('matrix:#builds:localhost', 'linux #1: FAILURE', { tally: 'FAILURE' });
    await waitFor('the announcement queued', async () => ((await sample('bb_chat_outbox_queued', 'matrix')) ?? 0) >= 1, 20_000);
    expect(await sample('bb_chat_connected', 'matrix')).toBe(0);
    await synapse.start();
    await waitFor('Matrix connected again', async () => (await connected('matrix')) === true, 90_000);
    await waitFor('the outbox said', async () => (await sample('bb_chat_outbox_queued', 'matrix')) === 0, 60_000);
    expect((await fetchText('/healthz')).status).toBe(200);

    // IRC server crashed: not connected until it is back.
    await ircd.kill();
    await waitFor('IRC disconnected', async () => (await connected('irc')) === false, 30_000);
    await ircd.start();
    await waitFor('IRC connected again', async () => (await connected('irc')) === true, 60_000);

    // The shell's user quits: no longer connected.
    shellIn.write('/quit\n');
    await waitFor('the shell closed', async () => (await connected('shell')) === false);
  }, 300_000);
});
