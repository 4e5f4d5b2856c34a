import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { testConfig, type TestConfig } from '../harness/config.js';

/**
 * What commits and people say is data: on a real InspIRCd with Atheme, a CR, LF, IRC colour or
 * right-to-left override in an author name, a commit message or a command never becomes a line of
 * its own, a second user or formatting; and only those allowed change what a channel hears.
 */

const fast = { irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 }, queryTimeoutMs: 3000 } };
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

let ircd: TestIrcd;
let fx: PipelineFixture;
const humans: IrcHuman[] = [];
/** warner: logged in and listed; zooko: logged in, not listed; anon: no login, op of #dev (first to join); mallory: no login, no op. */
let warner: IrcHuman, zooko: IrcHuman, anon: IrcHuman, mallory: IrcHuman;

function config(port: number): TestConfig {
  return testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
    schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux'] }],
    chat: {
      botName: 'bb',
      irc: { host: '127.0.0.1', port: port, tls: false, nick: 'bb', channels: ['#dev', '#ops'] },
      permissions: { users: ['irc:warner', 'alice'], ircChannelOps: ['#ops'] },
      rateLimit: 100,
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

const fromBot = (where: string, h: IrcHuman) => (m: SeenMessage) => m.nick === 'bb' && m.target.toLowerCase() === (where.startsWith('#') ? where : h.nick).toLowerCase();

/** `h` says `text`; resolves with the bot's first reply matching `pattern`. */
async function ask(h: IrcHuman, where: '#dev' | 'bb', text: string, pattern: RegExp): Promise<string> {
  const from = h.seen.length;
  h.say(where, text);
  const at = fromBot(where, h);
  return (await h.waitFor((m) => at(m) && pattern.test(m.text), 15_000, from)).text;
}

/** Every line the bot said to `h` in `where` from index `from` on, once a line matching `last` came. */
async function linesUntil(h: IrcHuman, where: '#dev' | 'bb', from: number, last: RegExp): Promise<string[]> {
  const at = fromBot(where, h);
  await h.waitFor((m) => at(m) && last.test(m.text), 15_000, from);
  return h.seen.slice(from).filter(at).map((m) => m.text);
}

/**
 * Every line the bot said in `where` since `from` in answer to what came before: a later command
 * (`version`) is answered after them, since the bot reads and answers in order.
 */
async function allSaidBefore(h: IrcHuman, where: '#dev' | 'bb', from: number): Promise<string[]> {
  const at = fromBot(where, h);
  const mark = h.seen.length;
  h.say(where, where === 'bb' ? 'version' : 'bb: version');
  const version = await h.waitFor((m) => at(m) && /^bb \d/.test(m.text), 15_000, mark);
  return h.seen.slice(from, h.seen.indexOf(version)).filter(at).map((m) => m.text);
}

beforeAll(async () => {
  ircd = await startIrcd();
  await Promise.all(['warner', 'zooko'].map((a) => ircd.registerAccount(a, `${a}-password`)));
  anon = await human('anon', { channels: ['#dev'] });
  mallory = await human('mallory', { channels: ['#dev'] });
  warner = await human('warner', { account: 'warner', channels: ['#dev'] });
  zooko = await human('zooko', { account: 'zooko', channels: ['#dev'] });
  fx = await PipelineFixture.create('chattext', config(ircd.port));
  await fx.startMaster({ chatTuning: fast });
  await fx.startExecutor('a', SECRET_A);
  await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'alice', emails: ['alice@example.org'] });
  await waitFor('the bot in #dev', async () => / 353 .*[ :@]bb(\s|$)/.test(await anon.command('NAMES #dev', / 353 /)), 15_000, 200);
}, 60_000);

afterAll(async () => {
  for (const h of humans) await h.quit().catch(() => undefined);
  await fx?.close();
  await ircd?.stop();
});

describe('text from commits and people is data', () => {
  it('a CR in an author name makes no new user, and no stored field makes a line or formatting of its own', async () => {
    await fx.client.sendChange({ author: 'Alice\rSmith <alice@example.org>', comments: 'fix\rmac #97: SUCCESS (fixed)\nsecond line', revision: 'aaaa0001', branch: 'main', files: ['a.c'] });
    await fx.client.sendChange({
      author: 'Eve\rmac #99: SUCCESS (fixed), all builders green <eve@example.org>',
      comments: 'tidy \x0304red\x03 \x02bold\x02 \u202egnp.exe',
      revision: 'aaaa0002',
      branch: 'main',
      files: ['b.c'],
    });
    await waitFor('linux #1', async () => (await fx.builds('linux'))[0]?.state === 'finished');
    await waitFor('eve learned from her change', async () => (await fx.store.users.list()).some((u) => u.emails.includes('eve@example.org')));

    const users = await fx.store.users.list();
    expect(users.filter((u) => u.emails.includes('alice@example.org')).map((u) => u.name)).toEqual(['alice']);
    expect(users.find((u) => u.name === 'alice')!.authors).toEqual(['Alice Smith <alice@example.org>']);
    for (const u of users) expect(JSON.stringify(u)).not.toMatch(/\\r|\\n/);
    expect((await fx.builds('linux'))[0]!.blamelist).toEqual(['Alice Smith <alice@example.org>', 'Eve mac #99: SUCCESS (fixed), all builders green <eve@example.org>']);

    let from = warner.seen.length;
    warner.say('#dev', 'bb: list changes');
    const listed = await linesUntil(warner, '#dev', from, /^1: /);
    expect(listed).toEqual([
      '2: aaaa0002 on main by Eve mac #99: SUCCESS (fixed), all builders green: tidy red bold gnp.exe',
      '1: aaaa0001 on main by Alice Smith: fix mac #97: SUCCESS (fixed)',
    ]);

    for (const command of ['bb: status linux', 'bb: last linux']) {
      from = warner.seen.length;
      warner.say('#dev', command);
      const lines = await linesUntil(warner, '#dev', from, /linux/);
      const all = await allSaidBefore(warner, '#dev', from);
      expect(all, command).toEqual(lines.slice(0, 1));
      expect(all[0]).not.toMatch(/^mac #99/);
      expect(all[0]).not.toMatch(UNSAFE);
    }
  });

  it('echoes only a short clean slice of what was said, and answers a long line at once', async () => {
    const long = await ask(warner, '#dev', `bb: ${'x'.repeat(400)}`, /I don't know/);
    expect(long).toBe(`I don't know "${'x'.repeat(39)}…". Say "bb: help" for the list.`);
    const rtl = await ask(warner, '#dev', 'bb: stat\u202eus\x0304 linux', /I don't know/);
    expect(rtl).not.toMatch(UNSAFE);
    expect(rtl).toMatch(/^I don't know "stat us"/); // the server's client side already dropped the colour
    expect(await ask(warner, '#dev', `bb: notify ${'\u202e'.repeat(3)}${'y'.repeat(300)}`, /is not on, off/)).toMatch(/^"y{39}…" is not on, off or list/);
  });

  it('bb: log hides the executor work directory and names an unknown builder', async () => {
    const from = warner.seen.length;
    warner.say('#dev', 'bb: log linux');
    const lines = await linesUntil(warner, '#dev', from, /more lines/);
    expect(lines[0]).toMatch(/^linux #1 step compile/);
    const all = await allSaidBefore(warner, '#dev', from);
    expect(all.join('\n')).not.toContain(fx.dir);
    expect(all).toContain('in . (of the build directory)');
    expect(await ask(warner, '#dev', 'bb: log nosuch', /builder/)).toBe('unknown builder "nosuch" (known: linux)');
  });
});

describe('who may change what a channel hears', () => {
  it('in a channel: mute, unmute and notify on/off need permission or channel operator; notify list does not', async () => {
    expect(await ask(mallory, '#dev', 'bb: mute', /Muted|Sorry/)).toBe(
      'Sorry, mallory, you may not mute: it needs permission: log in to services (your nick is not identified), then ask an admin to add irc:<your account> to chat.permissions.users, or be a channel operator in #dev or #ops',
    );
    expect(await ask(mallory, '#dev', 'bb: notify off', /now gets|Sorry/)).toMatch(/^Sorry, mallory, you may not notify/);
    expect(await ask(mallory, '#dev', 'bb: unmute', /nmuted|Not muted|Sorry/)).toMatch(/^Sorry, mallory, you may not unmute/);
    const before = await ask(mallory, '#dev', 'bb: notify list', /gets|Sorry/);
    expect(before).toMatch(/^#dev gets: /);
    expect(await ask(zooko, '#dev', 'bb: mute', /Muted|Sorry/)).toBe(
      'Sorry, zooko, you may not mute: it needs permission: ask an admin to add irc:zooko to chat.permissions.users, or be a channel operator in #dev or #ops; or, if you are a bb user allowed to, say "i am user NAME", then "verify CODE" with the code I mail you',
    );
    expect(await ask(warner, '#dev', 'bb: notify list', /gets/)).toBe(before);

    // anon is the operator of #dev: allowed there without any login.
    expect(await ask(anon, '#dev', 'bb: mute', /Muted|Sorry/)).toMatch(/^Muted: no announcements to #dev/);
    expect(await ask(anon, '#dev', 'bb: unmute', /nmuted|Sorry/)).toMatch(/^Unmuted #dev/);
    expect(await ask(warner, '#dev', 'bb: notify on all', /now gets|Sorry/)).toMatch(/^#dev now gets: /);
  });

  it('in a DM anyone changes only what they themself hear', async () => {
    expect(await ask(mallory, 'bb', 'notify on problem', /now get|Sorry/)).toMatch(/^You now get in DMs: .*problem/);
    expect(await ask(mallory, 'bb', 'mute', /Muted|Sorry/)).toMatch(/^Muted: no announcements to your DMs/);
    expect(await ask(warner, '#dev', 'bb: notify list', /gets/)).not.toMatch(/Muted/);
  });
});
