import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrcTransport } from '../../src/chat/irc/irc-transport.js';
import type { IrcStatus } from '../../src/chat/irc/status.js';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { waitFor } from '../harness/bb.js';
import { SMTP_USER, smtpSettings, TestSmtp } from '../harness/smtp.js';

/**
 * The chat bot of a real master on a real IRC network (InspIRCd with Atheme services and its
 * default flood protection), talked to by real IRC clients, with a real executor running builds.
 */

const BOT_SASL_ENV = 'BB_TEST_CHAT_IRC_SASL';
const BOT_SASL = 'bot-sasl-password';
const fast = { irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 }, queryTimeoutMs: 3000 } };

let ircd: TestIrcd;
let smtp: TestSmtp;
let fx: PipelineFixture;
let statuses: IrcStatus[];
const humans: IrcHuman[] = [];
/** warner: logged in (SASL) and listed; zooko: logged in, not listed; anon: not logged in, op of #dev (not a granting channel); opal: not logged in, op of #ops (granting). */
let warner: IrcHuman, zooko: IrcHuman, anon: IrcHuman, opal: IrcHuman;

function config(port: number): TestConfig {
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [
      { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] },
      { name: 'docs', executors: ['a'], steps: [{ type: 'shell', name: 'check', command: 'true' }] },
    ],
    schedulers: [
      { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux', 'docs'] },
      { type: 'force', name: 'force', builders: ['linux', 'docs'] },
    ],
    chat: {
      botName: 'bb',
      irc: {
        host: '127.0.0.1', port, tls: false, nick: 'bb',
        sasl: { account: 'bbbot', password: { env: BOT_SASL_ENV } },
        channels: ['#dev', '#ops'],
      },
      permissions: { users: ['irc:warner', 'zooko'], ircChannelOps: ['#ops'] },
      rateLimit: 12,
    },
    users: {
      smtp: smtpSettings(smtp.port, 'bb@example.org'),
    },
  });
}

async function human(nick: string, o: { account?: string; channels?: string[] } = {}): Promise<IrcHuman> {
  const h = await connectHuman({
    host: ircd.host,
    port: ircd.port,
    nick,
    ...(o.account ? { sasl: { account: o.account, password: `${o.account}-password` } } : {}),
    ...(o.channels ? { channels: o.channels } : {}),
  });
  humans.push(h);
  return h;
}

const fromBot = (where: string, h: IrcHuman, pattern: RegExp) => (m: SeenMessage) =>
  m.nick === 'bb' && m.target.toLowerCase() === (where.startsWith('#') ? where : h.nick).toLowerCase() && pattern.test(m.text);

/** `h` says `text` in a channel (or to the bot, when `where` is 'bb'); resolves with the bot's reply matching `pattern`. */
async function ask(h: IrcHuman, where: '#dev' | '#ops' | 'bb', text: string, pattern: RegExp): Promise<string> {
  const from = h.seen.length;
  h.say(where, text);
  return (await h.waitFor(fromBot(where, h, pattern), 15_000, from)).text;
}

const buildsets = () => fx.store.lastBuildSetId();

beforeAll(async () => {
  ircd = await startIrcd({ floodProtection: true });
  smtp = await TestSmtp.start();
  await Promise.all(['bbbot', 'warner', 'zooko'].map((a) => ircd.registerAccount(a, a === 'bbbot' ? BOT_SASL : `${a}-password`)));
  // The first to join a channel is its operator.
  anon = await human('anon', { channels: ['#dev'] });
  opal = await human('opal', { channels: ['#ops'] });
  warner = await human('warner', { account: 'warner', channels: ['#dev', '#ops'] });
  zooko = await human('zooko', { account: 'zooko', channels: ['#dev'] });

  process.env[BOT_SASL_ENV] = BOT_SASL;
  fx = await PipelineFixture.create('chatirc', config(ircd.port));
  await fx.startMaster({ chatTuning: fast });
  await fx.startExecutor('a', SECRET_A);
  for (const [name, email] of [['warner', 'warner@lothar.com'], ['brian', 'brian@example.org'], ['zooko', 'zooko@example.net']]) {
    await fx.client.control({ v: 1, type: 'user', op: 'add', name, emails: [email] });
  }
  const irc = fx.master!.chat!.transport('irc') as IrcTransport;
  statuses = [];
  irc.onStatus((s) => statuses.push(s));
  await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
  for (const [h, channel] of [[anon, '#dev'], [opal, '#ops']] as const) {
    await waitFor(`the bot in ${channel}`, async () => / 353 .*[ :@]bb(\s|$)/.test(await h.command(`NAMES ${channel}`, / 353 /)), 15_000, 200);
  }
}, 60_000);

afterAll(async () => {
  for (const h of humans) await h.quit().catch(() => undefined);
  await fx?.close();
  await ircd?.stop();
  await smtp?.close();
  delete process.env[BOT_SASL_ENV];
});

describe('the chat bot on IRC, from the master config', () => {
  it('answers status, force and i am in a channel; force only for a listed services account', async () => {
    expect(await ask(warner, '#dev', 'bb: status linux', /^linux:/)).toBe('linux: idle; no builds yet [1/1 executors online]');
    expect(await ask(warner, '#dev', 'bb: force build trunk', /forced|Sorry/)).toBe('Build forced for linux, docs on main (buildset 1).');
    await waitFor('both builds to finish', async () => (await fx.builds('linux'))[0]?.state === 'finished' && (await fx.builds('docs'))[0]?.state === 'finished');
    expect((await fx.builds('linux'))[0]).toMatchObject({ result: 'SUCCESS' });

    expect(await ask(anon, '#dev', 'bb: force build trunk', /forced|Sorry/)).toBe(
      'Sorry, anon, you may not force build: it needs permission: log in to services (your nick is not identified), then ask an admin to add irc:<your account> to chat.permissions.users, or be a channel operator in #ops',
    );
    expect(await ask(zooko, '#dev', 'bb: force build linux', /forced|Sorry, zooko/)).toBe(
      'Sorry, zooko, you may not force build: it needs permission: ask an admin to add irc:zooko to chat.permissions.users, or be a channel operator in #ops; or, if you are a bb user allowed to, say "i am user NAME", then "verify CODE" with the code I mail you',
    );
    expect(await buildsets()).toBe(1);

    expect(await ask(warner, '#dev', 'bb: i am user warner', /mailed/)).toBe('I mailed a code to w***@lothar.com; say `verify CODE` here or in a DM to me. Until then your claim to be warner grants nothing.');
    const claim = (await fx.store.claims.get({ transport: 'irc', kind: 'account', id: 'warner' }))!;
    expect(claim).toMatchObject({ user: 'warner', verified: false, account: 'warner', sender: 'warner', transport: 'irc' });
    expect(await ask(warner, '#dev', 'bb: whoami', /You are/)).toBe(
      'You are warner on IRC, logged in to services as warner. You claim to be bb user warner (not verified yet; it grants nothing: say "verify CODE" with the code mailed to warner).',
    );
    // Without a services login there is no claim at all.
    expect(await ask(anon, '#dev', 'bb: i am user anon', /Cannot/)).toBe(
      'Cannot confirm that you are anon: log in to services first (NickServ or SASL): a claim belongs to your services account, never to a bare nick.',
    );
    expect(await ask(anon, '#dev', 'bb: whoami', /You are/)).toMatch(/^You are anon on IRC, not logged in to services \(your nick is not identified\)\. You have not said which bb user you are/);
  });

  it('answers the same in a DM, without the bot name', async () => {
    expect(await ask(warner, 'bb', 'status docs', /^docs:/)).toMatch(/^docs: idle; last #1 SUCCESS/);
    expect(await ask(warner, 'bb', 'force build docs', /forced|Sorry/)).toBe('Build forced for docs (buildset 2).');
    expect(await ask(anon, 'bb', 'force build docs', /forced|Sorry/)).toMatch(/^Sorry, anon, you may not force build: it needs permission: log in to services \(your nick is not identified\)/);
    expect(await ask(warner, 'bb', 'i am user brian', /mailed/)).toBe('I mailed a code to b***@example.org; say `verify CODE` here. Until then your claim to be brian grants nothing.');
    expect(await ask(warner, 'bb', 'whoami', /You are/)).toMatch(/You claim to be bb user brian/);
    await waitFor('docs #2', async () => (await fx.builds('docs'))[1]?.state === 'finished');
    expect(await buildsets()).toBe(2);
  });

  it('a verified claim to a bb user listed in permissions grants force; the claim alone does not', async () => {
    expect(await ask(zooko, '#dev', 'bb: i am user zooko', /mailed/)).toMatch(/^I mailed a code to z\*\*\*@example\.net/);
    const mail = await smtp.mailTo('zooko@example.net');
    expect(mail).toMatchObject({ from: 'bb@example.org', user: SMTP_USER, secure: true });
    const code = /verify ([A-Z0-9]{8})/.exec(mail.text)![1]!;
    expect(mail.text).toContain('Someone on irc (zooko) says they are bb user zooko.');
    expect(await ask(zooko, '#dev', 'bb: force build docs', /forced|Sorry/)).toBe(
      'Sorry, zooko, you may not force build: it needs permission: your claim to be zooko is not verified yet; say "verify CODE" with the code mailed to zooko, or "i am user zooko" for a new one',
    );
    // The code is good only from zooko's services account.
    expect(await ask(warner, 'bb', `verify ${code}`, /verified/i)).toMatch(/^Not verified: wrong code/);
    expect(await ask(zooko, 'bb', 'verify ZZZZZZZZ', /verified/i)).toBe('Not verified: wrong code (4 tries left).');
    expect(await ask(zooko, 'bb', `verify ${code}`, /erified/)).toBe('Verified: you are bb user zooko.');
    expect(await ask(zooko, '#dev', 'bb: whoami', /You are/)).toBe('You are zooko on IRC, logged in to services as zooko. You are bb user zooko (verified).');
    expect(await ask(zooko, '#dev', 'bb: force build docs', /forced|Sorry/)).toBe('Build forced for docs (buildset 3).');
    await waitFor('docs #3', async () => (await fx.builds('docs'))[2]?.state === 'finished');
    expect(await buildsets()).toBe(3);
  });

  it('lets operators of a channel in ircChannelOps force, and no one else by being op elsewhere', async () => {
    expect(await ask(opal, '#ops', 'bb: force build linux', /forced|Sorry/)).toBe('Build forced for linux (buildset 4).');
    expect(await ask(opal, 'bb', 'force build linux', /forced|Sorry/)).toBe('Build forced for linux (buildset 5).');
    // anon is operator of #dev, which grants nothing.
    expect(await ask(anon, '#dev', 'bb: force build linux', /forced|Sorry/)).toMatch(/^Sorry, anon/);
    await opal.command('MODE #ops -o opal', / MODE #ops -o/);
    expect(await ask(opal, '#ops', 'bb: force build linux', /forced|Sorry/)).toMatch(/^Sorry, opal, you may not force build/);
    expect(await buildsets()).toBe(5);
  });

  it('sends announcements through its outbox and lists its channels', async () => {
    const chat = fx.master!.chat!;
    expect(chat.targets()).toEqual(expect.arrayContaining(['irc:#dev', 'irc:#ops']));
    const from = zooko.seen.length;
    await chat.send('irc:#dev', 'linux #9 FAILURE');
    await chat.sendDirect('irc', 'zooko', 'you broke linux');
    await zooko.waitFor(fromBot('#dev', zooko, /^linux #9 FAILURE$/), 10_000, from);
    await zooko.waitFor(fromBot('bb', zooko, /^you broke linux$/), 10_000, from);
    await expect(chat.send('matrix:!nowhere:example.org', 'x')).rejects.toThrow(/no matrix chat transport is configured/);
  });

  it('survives a flood of 50 commands under the server flood protection: rate-limited, not kicked', async () => {
    const flooder = await human('flooder', { channels: ['#dev'] });
    await flooder.oper(ircd.oper.name, ircd.oper.password); // opers are exempt from fake lag: the 50 lines reach the bot at once
    const mark = statuses.length;
    const from = flooder.seen.length;
    let kicked = false;
    flooder.client.on('kick', (e) => (kicked ||= e.kicked === 'bb'));
    flooder.client.on('quit', (e) => (kicked ||= e.nick === 'bb'));
    for (let i = 0; i < 50; i++) flooder.say('#dev', 'bb: status linux');

    const answers = await flooder.waitForCount((m) => m.nick === 'bb' && m.target === '#dev' && /^linux:|slow down/.test(m.text), 13, 20_000);
    expect(answers.filter((m) => m.text.startsWith('linux:'))).toHaveLength(12);
    expect(answers.filter((m) => m.text === 'flooder: slow down a little; try again in a minute.')).toHaveLength(1);
    // The bot reads and answers in order: once it has answered a later line, any answer to the flood would have come.
    expect(await ask(warner, '#dev', 'bb: version', /^bb /)).toMatch(/^bb 0\./);
    expect(flooder.seen.slice(from).filter((m) => m.nick === 'bb' && !/^bb 0\./.test(m.text))).toHaveLength(13); // the rest of the flood is not answered
    expect(kicked).toBe(false);
    expect(statuses.slice(mark).filter((s) => s.kind === 'disconnected')).toEqual([]);
  });

  it('reconnects, rejoins and answers again after the IRC server restarts', async () => {
    const mark = statuses.length;
    await ircd.restart();
    await waitFor('the bot to rejoin #dev', () => statuses.slice(mark).some((s) => s.kind === 'joined' && s.channel === '#dev'), 20_000);
    const back = await human('warner2', { account: 'warner', channels: ['#dev'] });
    expect(await ask(back, '#dev', 'bb: whoami', /You are/)).toBe(
      'You are warner2 on IRC, logged in to services as warner. You claim to be bb user brian (not verified yet; it grants nothing: say "verify CODE" with the code mailed to brian).',
    );
    expect(await ask(back, '#dev', 'bb: status linux', /^linux:/)).toMatch(/^linux: idle; last #3 SUCCESS/);
  });
});
