import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IrcTransport } from '../../src/chat/irc/irc-transport.js';
import type { IrcTransportOptions } from '../../src/chat/irc/options.js';
import type { IrcStatus } from '../../src/chat/irc/status.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import { openRawClient } from '../harness/irc-raw.js';
import { connectHuman, type IrcHuman } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { waitFor } from '../harness/bb.js';

/** A bot under test with everything it reported. */
interface TestBot {
  bot: IrcTransport;
  messages: ChatMessage[];
  statuses: IrcStatus[];
  waitMessage(pred: (m: ChatMessage) => boolean, timeoutMs?: number): Promise<ChatMessage>;
  waitStatus(pred: (s: IrcStatus) => boolean, timeoutMs?: number, from?: number): Promise<IrcStatus>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

let n = 0;
/** A nick/channel suffix no other test uses. */
const uniq = () => `${process.pid % 1000}x${++n}`;

function makeBot(ircd: TestIrcd, o: Partial<IrcTransportOptions> & { nick: string }): TestBot {
  const bot = new IrcTransport({
    host: ircd.host,
    port: ircd.port,
    tls: false,
    version: 'bb-test 1.0',
    reconnect: { initialMs: 100, maxMs: 1000, jitter: 0.2 },
    ...o,
  });
  const messages: ChatMessage[] = [];
  const statuses: IrcStatus[] = [];
  const waiters = new Set<() => void>();
  bot.onMessage((m) => {
    messages.push(m);
    for (const w of waiters) w();
  });
  bot.onStatus((s) => {
    statuses.push(s);
    for (const w of waiters) w();
  });
  const wait = <T>(list: T[], pred: (x: T) => boolean, timeoutMs: number, from: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = list.slice(from).find(pred);
        if (hit) {
          finish();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`bot: no ${what} in ${timeoutMs} ms; statuses: ${statuses.map((s) => s.kind).join(',')}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  cleanups.push(() => bot.stop());
  return {
    bot,
    messages,
    statuses,
    waitMessage: (pred, timeoutMs = 10_000) => wait(messages, pred, timeoutMs, 0, 'matching message'),
    waitStatus: (pred, timeoutMs = 10_000, from = 0) => wait(statuses, pred, timeoutMs, from, 'matching status'),
  };
}

async function human(ircd: TestIrcd, nick: string, o: { sasl?: { account: string; password: string }; channels?: string[] } = {}): Promise<IrcHuman> {
  const h = await connectHuman({ host: ircd.host, port: ircd.port, nick, ...o });
  cleanups.push(() => h.quit());
  return h;
}

const joined = (channel: string) => (s: IrcStatus) => s.kind === 'joined' && s.channel.toLowerCase() === channel.toLowerCase();

describe('IrcTransport on a real InspIRCd with Atheme services', () => {
  let ircd: TestIrcd;
  beforeAll(async () => {
    ircd = await startIrcd({ tls: true });
  });
  afterAll(async () => {
    await ircd?.stop();
  });

  it('hands on channel and private messages with sender and services account, and its replies arrive', async () => {
    const id = uniq();
    const channel = `#bb-msg-${id}`;
    await ircd.registerAccount(`warner${id}`, 'hunter22', `warner${id}@example.org`);
    const b = makeBot(ircd, { nick: `bb${id}`, channels: [channel] });
    await b.bot.start();
    await b.waitStatus(joined(channel));

    const warner = await human(ircd, `warner${id}`, { sasl: { account: `warner${id}`, password: 'hunter22' }, channels: [channel] });
    const anon = await human(ircd, `anon${id}`, { channels: [channel] });

    warner.say(channel, `bb${id}: status linux`);
    const m1 = await b.waitMessage((m) => m.sender === `warner${id}`);
    expect(m1).toEqual({
      transport: 'irc',
      channel,
      replyTo: channel,
      sender: `warner${id}`,
      account: `warner${id}`,
      text: `bb${id}: status linux`,
      isDirect: false,
    });

    anon.say(channel, `bb${id}: status \x02linux\x02`);
    const m2 = await b.waitMessage((m) => m.sender === `anon${id}`);
    expect(m2.account).toBeNull();
    expect(m2.text).toBe(`bb${id}: status linux`);

    warner.say(`bb${id}`, 'status windows');
    const dm = await b.waitMessage((m) => m.isDirect);
    expect(dm).toMatchObject({ channel: null, replyTo: `warner${id}`, sender: `warner${id}`, account: `warner${id}`, text: 'status windows' });

    await b.bot.send(m1.replyTo, 'linux: green since r1234');
    await b.bot.sendDirect(dm.replyTo, 'windows: red, failing test_foo');
    const inChannel = await warner.waitFor((m) => m.target === channel && m.nick === `bb${id}`);
    expect(inChannel.text).toBe('linux: green since r1234');
    const private_ = await warner.waitFor((m) => m.target === `warner${id}` && m.nick === `bb${id}`);
    expect(private_.text).toBe('windows: red, failing test_foo');

    await b.bot.send(channel, 'as a notice', { notice: true });
    expect((await anon.waitFor((m) => m.text === 'as a notice')).type).toBe('notice');

    // The bot's own lines never come back as messages.
    expect(b.messages.every((m) => m.sender !== `bb${id}`)).toBe(true);

    warner.client.ctcpRequest(`bb${id}`, 'VERSION');
    const version = await warner.waitFor((m) => m.type === 'ctcp response');
    expect(version.text).toBe('VERSION bb-test 1.0');
  });

  it('caps long replies with a "more lines" line, splits long lines safely and strips line injection', async () => {
    const id = uniq();
    const channel = `#bb-cap-${id}`;
    const b = makeBot(ircd, { nick: `bb${id}`, channels: [channel], throttle: { burst: 50, intervalMs: 10 } });
    await b.bot.start();
    await b.waitStatus(joined(channel));
    const h = await human(ircd, `reader${id}`, { channels: [channel] });
    const fromBot = (target: string) => (m: { nick: string; target: string }) => m.nick === `bb${id}` && m.target === target;

    const thirty = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n');
    await b.bot.send(channel, thirty, { moreHint: 'say "bb: log 17" in a DM' });
    const got = await h.waitForCount(fromBot(channel), 5);
    expect(got.map((m) => m.text)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', '… 26 more lines: say "bb: log 17" in a DM']);

    await b.bot.sendDirect(h.nick, thirty);
    const dm = await h.waitForCount(fromBot(h.nick), 20);
    expect(dm.slice(0, 19).map((m) => m.text)).toEqual(Array.from({ length: 19 }, (_, i) => `line ${i + 1}`));
    expect(dm[19]!.text).toBe('… 11 more lines');

    // One long line of multi-byte text: cut into several lines, no character broken, nothing lost.
    const words = Array.from({ length: 120 }, (_, i) => `wörd${i}→✓`);
    await b.bot.send(h.nick, words.join(' '));
    // Lines arrive in order: once the last word has come, every piece has.
    await h.waitFor((m) => fromBot(h.nick)(m) && m.text.endsWith(words.at(-1)!));
    const pieces = h.seen.filter((m) => fromBot(h.nick)(m) && m.text.includes('wörd')).map((m) => m.text);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join(' ').split(' ')).toEqual(words);
    for (const p of pieces) expect(p).not.toContain('\uFFFD');

    // CR/LF in text start a new PRIVMSG line, never a new command; NUL and \x01 are dropped.
    await b.bot.send(channel, 'first\r\nQUIT :injected\rthird\0 \x01ACTION x\x01');
    const injected = await h.waitForCount((m) => fromBot(channel)(m) && /first|injected|third/.test(m.text), 3);
    expect(injected.map((m) => m.text)).toEqual(['first', 'QUIT :injected', 'third ACTION x']);
    expect(b.bot.isConnected).toBe(true);
    await expect(b.bot.send('#a b', 'x')).rejects.toThrow(/not an IRC target/);
    await b.bot.stop();
    await expect(b.bot.send(channel, 'x')).rejects.toThrow(/stopped/);
  });

  it('picks an alternative nick on collision and takes its own back when it is free', async () => {
    const id = uniq();
    const nick = `bbn${id}`;
    const channel = `#bb-nick-${id}`;
    const squatter = await human(ircd, nick, { channels: [channel] });
    await human(ircd, `${nick}_`);
    const b = makeBot(ircd, { nick, channels: [channel], regainNickMs: 500 });
    await b.bot.start();
    const reg = await b.waitStatus((s) => s.kind === 'registered');
    expect(reg).toEqual({ kind: 'registered', nick: `${nick}__` });
    expect(b.bot.currentNick).toBe(`${nick}__`);
    expect(b.bot.botName).toBe(nick);
    await b.waitStatus(joined(channel));

    // A DM to the alternative nick is still a DM.
    squatter.say(`${nick}__`, 'hello');
    expect(await b.waitMessage((m) => m.text === 'hello')).toMatchObject({ isDirect: true, sender: nick });

    await squatter.quit();
    await b.waitStatus((s) => s.kind === 'nick' && s.nick === nick, 5000);
    expect(b.bot.currentNick).toBe(nick);
  });

  it('without services: takes its nick the moment MONITOR says the holder is gone (no shared channel, no retry timer)', async () => {
    const id = uniq();
    const nick = `bbm${id}`;
    const squatter = await human(ircd, nick);
    // The retry timer is far off: only MONITOR can tell the bot that the nick is free.
    const b = makeBot(ircd, { nick, channels: [`#bb-mon-${id}`], regainNickMs: 600_000 });
    await b.bot.start();
    expect(await b.waitStatus((s) => s.kind === 'registered')).toEqual({ kind: 'registered', nick: `${nick}_` });
    await b.waitStatus(joined(`#bb-mon-${id}`));
    await squatter.quit();
    await b.waitStatus((s) => s.kind === 'nick' && s.nick === nick);
    expect(b.bot.currentNick).toBe(nick);
  });

  it('logged in to the account owning its nick, it has services free the nick from another connection (REGAIN), but not when told it may not', async () => {
    const id = uniq();
    const nick = `bbr${id}`;
    await ircd.registerAccount(nick, 'regainpw1');
    const sasl = { account: nick, password: 'regainpw1' };
    // Another connection logged in to the same account holds the nick, silent (as a frozen old leader's).
    const holder = await human(ircd, nick, { sasl });

    // A bot that may not take it (it no longer leads) leaves the holder be.
    let asked = 0;
    const polite = makeBot(ircd, { nick, sasl, regainNickMs: 600_000, mayTakeNick: async () => (asked++, false) });
    await polite.bot.start();
    await polite.waitStatus((s) => s.kind === 'registered');
    await waitFor('the bot to ask whether it may take the nick', async () => asked > 0, 10_000, 20);
    await polite.bot.stop();
    const whois = await new Promise<{ nick?: string; error?: string }>((resolve) => holder.client.whois(nick, resolve));
    expect(whois.error).toBeUndefined();
    expect(holder.client.connected).toBe(true);

    const b = makeBot(ircd, { nick, sasl, regainNickMs: 600_000 });
    await b.bot.start();
    expect(await b.waitStatus((s) => s.kind === 'registered')).not.toEqual({ kind: 'registered', nick });
    await b.waitStatus((s) => s.kind === 'nick' && s.nick === nick);
    expect(b.bot.currentNick).toBe(nick);
  });

  it('where services have no REGAIN, it uses GHOST and then NICK; with NickServ IDENTIFY as well as SASL', async () => {
    const ircd2 = await startIrcd({ regain: false });
    try {
      for (const how of ['sasl', 'nickserv'] as const) {
        const nick = `bbg${how.slice(0, 2)}${uniq()}`;
        await ircd2.registerAccount(nick, 'ghostpw12');
        const holder = await human(ircd2, nick, { sasl: { account: nick, password: 'ghostpw12' } });
        const holderGone = new Promise<void>((resolve) => holder.client.once('close', () => resolve()));
        const b = makeBot(ircd2, { nick, regainNickMs: 600_000, ...(how === 'sasl' ? { sasl: { account: nick, password: 'ghostpw12' } } : { nickserv: { password: 'ghostpw12' } }) });
        await b.bot.start();
        expect(await b.waitStatus((s) => s.kind === 'registered')).toEqual({ kind: 'registered', nick: `${nick}_` });
        await b.waitStatus((s) => s.kind === 'nick' && s.nick === nick);
        expect(b.bot.currentNick).toBe(nick);
        await holderGone;
        await b.bot.stop();
      }
    } finally {
      await ircd2.stop();
    }
  });

  it('logs in with SASL, or by NickServ IDENTIFY, and keeps going when SASL fails', async () => {
    const id = uniq();
    await ircd.registerAccount(`bbsasl${id}`, 'botpass1');
    await ircd.registerAccount(`bbns${id}`, 'botpass2');
    const watcher = await human(ircd, `who${id}`);

    const sasl = makeBot(ircd, { nick: `bbsasl${id}`, sasl: { account: `bbsasl${id}`, password: 'botpass1' } });
    await sasl.bot.start();
    expect(await sasl.waitStatus((s) => s.kind === 'logged-in')).toEqual({ kind: 'logged-in', account: `bbsasl${id}` });
    const order = sasl.statuses.map((s) => s.kind);
    expect(order.indexOf('logged-in')).toBeLessThan(order.indexOf('registered'));
    const whois = await new Promise<{ account?: string }>((resolve) => watcher.client.whois(`bbsasl${id}`, resolve));
    expect(whois.account).toBe(`bbsasl${id}`);

    const ns = makeBot(ircd, { nick: `bbns${id}`, nickserv: { password: 'botpass2' } });
    await ns.bot.start();
    expect(await ns.waitStatus((s) => s.kind === 'logged-in')).toEqual({ kind: 'logged-in', account: `bbns${id}` });

    const bad = makeBot(ircd, { nick: `bbbad${id}`, sasl: { account: `bbsasl${id}`, password: 'wrong' } });
    await bad.bot.start();
    await bad.waitStatus((s) => s.kind === 'login-failed');
    await bad.waitStatus((s) => s.kind === 'registered');
    expect(bad.bot.isConnected).toBe(true);
  });

  it('joins a channel with a key, tells idle time by WHOIS and channel operators by NAMES', async () => {
    const id = uniq();
    const channel = `#bb-ops-${id}`;
    const op = await human(ircd, `op${id}`, { channels: [channel] }); // first in: channel operator
    await op.command(`MODE ${channel} +k sesame`, / MODE /);
    const b = makeBot(ircd, { nick: `bb${id}`, channels: [{ name: channel, key: 'sesame' }] });
    await b.bot.start();
    await b.waitStatus(joined(channel));

    expect(await b.bot.isOperator(channel, `op${id}`)).toBe(true);
    expect(await b.bot.isOperator(channel, `bb${id}`)).toBe(false);
    expect(await b.bot.isOperator(channel, `nobody${id}`)).toBe(false);

    expect(await b.bot.idleSeconds(`nobody${id}`)).toBeNull();
    const fresh = await b.bot.idleSeconds(`op${id}`);
    expect(fresh).not.toBeNull();
    expect(fresh!).toBeLessThan(60);
    if (!ircd.hasSetIdle) {
      console.warn('m_setidle is not installed: the long-idle assertion is skipped');
      return;
    }
    await op.oper(ircd.oper.name, ircd.oper.password);
    expect(await op.command('SETIDLE 3600', / 94[48] /)).toMatch(/ 944 /); // RPL_IDLETIMESET
    expect(await b.bot.idleSeconds(`op${id}`)).toBeGreaterThanOrEqual(3600);
  });

  it('verifies TLS: connects with the server CA given, refuses an unverified certificate by default', async () => {
    const id = uniq();
    const good = makeBot(ircd, { nick: `bbtls${id}`, tls: true, port: ircd.tlsPort!, ca: ircd.caFile! });
    await good.bot.start();
    await good.waitStatus((s) => s.kind === 'registered');

    const refused = makeBot(ircd, { nick: `bbnotls${id}`, tls: true, port: ircd.tlsPort! });
    await refused.bot.start();
    const down = await refused.waitStatus((s) => s.kind === 'disconnected');
    expect(down).toMatchObject({ registeredMs: 0 });
    expect((down as { reason: string }).reason).toMatch(/self.signed|certificate/i);
    await refused.waitStatus((s) => s.kind === 'reconnecting');
    expect(refused.bot.isConnected).toBe(false);
  });
});

describe('IrcTransport against a server with its default flood protection', () => {
  it('paces 50 lines so the server neither kills nor kicks it, and they arrive capped and in order', async () => {
    const ircd = await startIrcd({ floodProtection: true });
    cleanups.push(() => ircd.stop());
    const channel = '#bb-flood';

    // The protection is real: a client that writes the same lines unpaced is thrown out.
    const flooder = await openRawClient({ host: ircd.host, port: ircd.port, nick: 'flooder' });
    for (let i = 0; i < 50; i++) flooder.send(`PRIVMSG ${channel} :${i} ${'x'.repeat(350)}`);
    // Thrown out: the server says why, or it closes with our lines unread and the socket ends in a
    // reset (ECONNRESET) or a write to the closed connection (EPIPE) before its ERROR line is read.
    await flooder.closed;
    expect(flooder.endedBy()).toMatch(/RecvQ exceeded|Excess Flood|^reset \((ECONNRESET|EPIPE)\)$/);

    const b = makeBot(ircd, { nick: 'bbflood', channels: [channel] }); // default throttle: burst 4, then 1 line/s
    await b.bot.start();
    await b.waitStatus(joined(channel));
    const h = await human(ircd, 'watcher', { channels: [channel] });
    const filler = 'y'.repeat(350);
    const fifty = (tag: string) => Array.from({ length: 50 }, (_, i) => `${tag} ${i + 1} ${filler}`).join('\n');

    const started = Date.now();
    await Promise.all([b.bot.send(channel, fifty('chan')), b.bot.sendDirect('watcher', fifty('dm'))]);
    const inChannel = await h.waitForCount((m) => m.target === channel && m.nick === 'bbflood', 5, 30_000);
    const inDm = await h.waitForCount((m) => m.target === 'watcher' && m.nick === 'bbflood', 20, 30_000);
    const tookMs = Date.now() - started;

    expect(inChannel.map((m) => m.text.split(' ').slice(0, 2).join(' '))).toEqual(['chan 1', 'chan 2', 'chan 3', 'chan 4', '… 46']);
    expect(inDm.slice(0, 19).map((m) => m.text.split(' ').slice(0, 2).join(' '))).toEqual(Array.from({ length: 19 }, (_, i) => `dm ${i + 1}`));
    expect(inDm[19]!.text).toBe('… 31 more lines');
    expect(tookMs).toBeGreaterThan(10_000); // 25 lines: a burst of 4, then 1 s apart

    // Still the same connection, still in the channel.
    expect(b.statuses.filter((s) => s.kind === 'disconnected')).toEqual([]);
    h.say(channel, 'bbflood: still there?');
    await b.waitMessage((m) => m.text === 'bbflood: still there?');
  }, 60_000);
});

describe('IrcTransport when the server goes away', () => {
  it('keeps retrying while the server is down at start, then reconnects and rejoins after a crash', async () => {
    const ircd = await startIrcd();
    cleanups.push(() => ircd.stop());
    const channel = '#bb-restart';

    await ircd.kill();
    const b = makeBot(ircd, { nick: 'bbrs', channels: [channel] });
    await b.bot.start(); // the first attempt fails; start() does not throw
    expect(b.bot.isConnected).toBe(false);
    await b.waitStatus((s) => s.kind === 'reconnecting' && s.attempt >= 2);

    await ircd.start();
    await b.waitStatus(joined(channel));
    const h1 = await human(ircd, 'early', { channels: [channel] });
    h1.say(channel, 'bbrs: before');
    await b.waitMessage((m) => m.text === 'bbrs: before');

    const mark = b.statuses.length;
    await ircd.restart();
    await b.waitStatus((s) => s.kind === 'disconnected', 10_000, mark);
    // Rejoined by its own reconnects (the backoff's delays are unit-tested in irc-pacing).
    await b.waitStatus(joined(channel), 15_000, mark);
    expect(b.statuses.slice(mark).some((s) => s.kind === 'reconnecting')).toBe(true);

    const h2 = await human(ircd, 'late', { channels: [channel] });
    h2.say(channel, 'bbrs: after restart');
    expect(await b.waitMessage((m) => m.text === 'bbrs: after restart')).toMatchObject({ sender: 'late', channel });
    await b.bot.send(channel, 'back again');
    await h2.waitFor((m) => m.nick === 'bbrs' && m.text === 'back again');
  }, 60_000);
});
