import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IrcTransport } from '../../src/chat/irc/irc-transport.js';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { PipelineFixture } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { testConfig, type TestConfig } from '../harness/config.js';

/**
 * The outbox on a real InspIRCd: what bb says while it cannot reach IRC (banned from the server,
 * or the server down while the master restarts) is said once it is back, in order, each late line
 * with the time it was said, and a long backlog is summarised, never dropped.
 */

const fast = { irc: { reconnect: { initialMs: 100, maxMs: 300, jitter: 0.2 }, queryTimeoutMs: 3000 }, backlog: { lateAfterMs: 0, limit: 4, keep: 2 }, drain: { retryMs: 100, maxRetryMs: 500, pollMs: 50 } };
const STAMP = /^\[\d\d:\d\d UTC\] /;

let ircd: TestIrcd;
let fx: PipelineFixture;
const humans: IrcHuman[] = [];
let zooko: IrcHuman;

function config(port: number): TestConfig {
  return testConfig({
    executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    chat: { botName: 'bb', irc: { host: '127.0.0.1', port: port, tls: false, nick: 'bb', channels: ['#dev'] } },
  });
}

async function human(nick: string): Promise<IrcHuman> {
  const h = await connectHuman({ host: ircd.host, port: ircd.port, nick, channels: ['#dev'] });
  humans.push(h);
  return h;
}

const fromBot = (m: SeenMessage) => m.nick === 'bb';
const irc = () => fx.master!.chat!.transport('irc') as IrcTransport;
const botInDev = async (h: IrcHuman) => / 353 .*[ :@]bb(\s|$)/.test(await h.command('NAMES #dev', / 353 /));

beforeAll(async () => {
  ircd = await startIrcd();
  zooko = await human('zooko');
  fx = await PipelineFixture.create('chatoutbox', config(ircd.port));
  await fx.startMaster({ chatTuning: fast });
  await waitFor('the bot in #dev', () => botInDev(zooko), 15_000, 200);
}, 60_000);

afterAll(async () => {
  for (const h of humans) await h.quit().catch(() => undefined);
  await fx?.close();
  await ircd?.stop();
});

describe('the chat outbox on IRC', () => {
  it('says what was announced while bb was banned from the server once it is back, in order and with times', async () => {
    const oper = await human('oper');
    await oper.oper(ircd.oper.name, ircd.oper.password);
    await oper.command('KLINE bb@127.0.0.1 0 :outage drill', /K-line|KLINE|added/i);
    await waitFor('the bot off the network', () => !irc().isConnected, 15_000, 50);

    const from = zooko.seen.length;
    const chat = fx.master!.chat!;
    await chat.send('irc:#dev', 'linux #1: FAILURE', { tally: 'FAILURE' });
    await chat.send('irc:#dev', 'linux #2: SUCCESS', { tally: 'SUCCESS' });
    await chat.sendDirect('irc', 'zooko', 'you broke linux #1', { tally: 'reminders' });
    await chat.send('irc:#dev', 'linux #3: FAILURE', { tally: 'FAILURE' });
    // Kept in Redis while the network is out of reach.
    expect(await fx.store.outbox.length('irc')).toBe(4);
    expect(zooko.seen.slice(from).filter(fromBot)).toEqual([]);

    oper.raw('KLINE bb@127.0.0.1');
    const got = await zooko.waitForCount(fromBot, 4, 30_000);
    expect(got.map((m) => [m.target, m.text.replace(STAMP, '')])).toEqual([
      ['#dev', 'linux #1: FAILURE'],
      ['#dev', 'linux #2: SUCCESS'],
      ['zooko', 'you broke linux #1'],
      ['#dev', 'linux #3: FAILURE'],
    ]);
    for (const m of got) expect(m.text).toMatch(STAMP);
    await waitFor('the outbox empty', async () => (await fx.store.outbox.length('irc')) === 0);
  });

  it('keeps what was said while IRC was down across a master restart, and summarises a long backlog', async () => {
    await ircd.kill();
    await waitFor('the bot off the network', () => !irc().isConnected, 15_000, 50);
    const chat = fx.master!.chat!;
    const results = ['FAILURE', 'SUCCESS', 'FAILURE', 'EXCEPTION', 'SUCCESS', 'FAILURE', 'SUCCESS'];
    for (const [i, r] of results.entries()) await chat.send('irc:#dev', `docs #${i + 1}: ${r}`, { tally: r });
    expect(await fx.store.outbox.length('irc')).toBe(7);
    await fx.master!.stop();

    // The server is back before bb is: the person is there to hear it.
    await ircd.start();
    const back = await human('zooko2');
    await fx.startMaster({ chatTuning: fast });
    const got = await back.waitForCount((m) => fromBot(m) && m.target === '#dev', 3, 30_000);
    expect(got.map((m) => m.text.replace(STAMP, ''))).toEqual([
      '5 announcements while I was away (since ' + got[0]!.text.match(/since ([^)]*)\)/)![1] + '): 2 FAILURE, 2 SUCCESS, 1 EXCEPTION; the last 2 follow.',
      'docs #6: FAILURE',
      'docs #7: SUCCESS',
    ]);
    expect(got[0]!.text).toMatch(/^5 announcements while I was away \(since \d\d:\d\d UTC\): /);
    expect(got[1]!.text).toMatch(STAMP);
    await waitFor('the outbox empty', async () => (await fx.store.outbox.length('irc')) === 0);
  });
});
