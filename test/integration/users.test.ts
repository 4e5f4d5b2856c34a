import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { spawnBb, waitFor } from '../harness/bb.js';
import { SMTP_PASS, SMTP_USER, TestSmtp } from '../harness/smtp.js';
import { testConfig } from '../harness/config.js';
import { ShellTransport } from '../../src/chat/shell.js';
import { CommandRouter } from '../../src/chat/router.js';
import { MasterBotApi } from '../../src/chat/master-api.js';
import { ChatAuthorizer } from '../../src/chat/authz.js';
import { allCommands } from '../../bot-commands/index.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import type { User } from '../../src/model/user.js';

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());

/** `emailDomain: false` leaves it out; `admins` adds bb admins. */
const config = (o: { emailDomain?: false; admins?: string[] } = {}) =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    users: {
      ...(o.emailDomain === false ? {} : { emailDomain: 'example.org' }),
      ...(o.admins ? { admins: o.admins } : {}),
      smtp: {
        host: '127.0.0.1', port: smtp.port, requireTLS: true, rejectUnauthorized: false,
        auth: { user: SMTP_USER, pass: { value: SMTP_PASS } },
        from: 'bb <bb@example.org>',
      },
    },
    chat: { permissions: { users: ['warner'] } },
  });
const codeIn = (text: string) => /verify ([A-Z0-9]{6,8})/.exec(text)?.[1] ?? null;

/** A router wired as the master's chat service wires it, fed messages as a transport would. */
function matrixBot(fx: PipelineFixture, now?: () => number) {
  const api = new MasterBotApi(fx.store, fx.master!.config, 'bb', '0.1.0', undefined, { mailer: fx.master!.mailer!, ...(now ? { now } : {}) });
  const authz = new ChatAuthorizer(fx.master!.config.chat!.permissions, () => undefined, async (m) => (await api.identity.whoami(m)).claim);
  const router = new CommandRouter(allCommands(), api, fx.log, authz, { max: 1000, windowMs: 60_000 });
  return async (sender: string, text: string, direct = false): Promise<string> => {
    const m: ChatMessage = direct
      ? { transport: 'matrix', channel: null, replyTo: sender, sender, account: sender, text, isDirect: true }
      : { transport: 'matrix', channel: '!dev:test', replyTo: '!dev:test', sender, account: sender, text: `bb: ${text}`, isDirect: false };
    const reply = await router.handle(m);
    return reply?.lines.join('\n') ?? '';
  };
}

/** `i am user`, the mailed code, `verify`: the speaker becomes a verified bb user. */
async function verifyAs(say: ReturnType<typeof matrixBot>, sender: string, user: string, address: string) {
  const skip = smtp.messages.filter((m) => m.to.includes(address)).length;
  expect(await say(sender, `i am user ${user}`)).toMatch(/^I mailed a code/);
  const code = codeIn((await smtp.mailTo(address, skip)).text)!;
  expect(await say(sender, `verify ${code}`)).toBe(`Verified: you are bb user ${user}.`);
}

describe('users', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('are made from change authors: one user per email, every author string an alias; caught up after a restart', async () => {
    fx = await PipelineFixture.create('users-changes', config());
    await fx.startMaster();
    await fx.client.sendChange({ author: 'Brian Warner <warner@lothar.com>', branch: 'main', revision: 'aaaa1111' });
    await fx.client.sendChange({ author: 'Zooko <zooko@example.net>', branch: 'main', revision: 'aaaa2222' });
    await fx.client.sendChange({ author: 'Brian W <Warner@Lothar.com>', branch: 'main', revision: 'aaaa3333' });
    await waitFor('three changes resolved', async () => (await fx.redis.get(fx.keys.usersCursor)) === '3');
    const users = await fx.store.users.list();
    expect(users.map((u) => u.name).sort()).toEqual(['warner', 'zooko']);
    const warner = (await fx.store.users.get('warner'))!;
    expect(warner).toMatchObject({ fullName: 'Brian Warner', emails: ['warner@lothar.com'], authors: ['Brian Warner <warner@lothar.com>', 'Brian W <Warner@Lothar.com>'] });
    expect((await fx.store.users.byIdentity({ kind: 'author', value: 'Brian W <Warner@Lothar.com>' }))?.name).toBe('warner');

    // Changes stored while the master is down are resolved when it starts again.
    await fx.master!.stop();
    await fx.client.sendChange({ author: 'Another Warner <warner@elsewhere.org>', branch: 'main', revision: 'aaaa4444' });
    await fx.startMaster();
    await waitFor('the fourth change', async () => (await fx.redis.get(fx.keys.usersCursor)) === '4');
    // A different address with the same local part is a different person.
    expect((await fx.store.users.get('warner-2'))?.emails).toEqual(['warner@elsewhere.org']);
  });

  it('i am user warner: a code is mailed over STARTTLS, verify confirms it, and then force build is allowed', async () => {
    fx = await PipelineFixture.create('users-verify', config());
    await fx.startMaster();
    await fx.client.sendChange({ author: 'Brian Warner <warner@lothar.com>', branch: 'main', revision: 'bbbb1111' });
    await waitFor('warner', () => fx.store.users.get('warner'));
    const say = matrixBot(fx);
    const me = '@brian:test';

    // Unverified: nothing granted.
    expect(await say(me, 'force build linux')).toMatch(/you may not force build: it needs permission: ask an admin to add @brian:test/);
    expect(await say(me, 'i am user warner')).toBe('I mailed a code to w***@lothar.com; say `verify CODE` here or in a DM to me. Until then your claim to be warner grants nothing.');
    const mail = await smtp.mailTo('warner@lothar.com');
    expect(mail).toMatchObject({ from: 'bb@example.org', user: SMTP_USER, secure: true });
    expect(mail.subject).toContain('warner');
    const code = codeIn(mail.text)!;
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    expect(await say(me, 'whoami')).toMatch(/You claim to be bb user warner \(not verified yet; it grants nothing: say "verify CODE"/);
    expect(await say(me, 'force build linux')).toMatch(/your claim to be warner is not verified yet/);
    expect(await fx.store.lastBuildSetId()).toBe(0);

    // Someone else cannot use the code.
    expect(await say('@mallory:test', `verify ${code}`)).toMatch(/^Not verified: you have no claim waiting for a code/);
    expect(await say(me, 'verify WRONG123')).toBe('Not verified: wrong code (4 tries left).');
    expect(await say(me, `verify ${code.toLowerCase()}`)).toBe('Verified: you are bb user warner.');
    expect(await say(me, 'whoami')).toMatch(/You are bb user warner \(verified\)\./);
    expect(await say(me, `verify ${code}`)).toMatch(/no claim waiting/); // one time only
    expect(await say(me, 'force build linux')).toMatch(/Build forced for linux \(buildset 1\)/);
    // The verified Matrix id is now one of warner's identities.
    expect((await fx.store.users.get('warner'))?.matrixId).toBe(me);
    // forget me unlinks the Matrix id (claimed, not declared in the config) and drops the claim.
    expect(await say(me, 'forget me')).toMatch(/^Forgotten: this Matrix id is no longer bb user warner, and reminders no longer come here\./);
    expect((await fx.store.users.get('warner'))?.matrixId).toBeUndefined();
    expect(await say(me, 'force build linux')).toMatch(/you may not force build/);
    expect(await say(me, 'i am user warner')).toMatch(/^I mailed a code to w\*\*\*@lothar\.com/);
    // A removed user grants nothing any more.
    await fx.client.control({ v: 1, type: 'user', op: 'remove', name: 'warner' });
    expect(await say(me, 'force build linux')).toMatch(/you may not force build/);
    expect(await say(me, 'whoami')).toMatch(/You claim to be bb user warner \(not verified yet/);
    // The code itself is stored nowhere.
    const keys = await fx.redis.keys(`${fx.prefix}:db:*`);
    for (const k of keys) {
      const type = await fx.redis.type(k);
      const dump = type === 'string' ? await fx.redis.get(k) : type === 'hash' ? JSON.stringify(await fx.redis.hgetall(k)) : '';
      expect(dump ?? '').not.toContain(code);
    }
  });

  it('wrong codes void the claim after five tries; an expired code is refused; no email means no claim', async () => {
    fx = await PipelineFixture.create('users-wrong', config());
    await fx.startMaster();
    await fx.client.sendChange({ author: 'Brian Warner <warner@lothar.com>', branch: 'main', revision: 'cccc1111' });
    await fx.client.sendChange({ author: 'svnuser', branch: 'main', revision: 'cccc2222' });
    await waitFor('users', async () => (await fx.store.users.list()).length === 2);
    let clock = Date.now();
    const say = matrixBot(fx, () => clock);
    const me = '@brian:test';

    expect(await say(me, 'i am user warner')).toMatch(/I mailed a code/);
    const code = codeIn((await smtp.mailTo('warner@lothar.com', smtp.messages.filter((m) => m.to.includes('warner@lothar.com')).length - 1)).text)!;
    for (const left of [4, 3, 2, 1]) expect(await say(me, 'verify AAAAAAAA')).toBe(`Not verified: wrong code (${left} ${left === 1 ? 'try' : 'tries'} left).`);
    expect(await say(me, 'verify AAAAAAAA')).toMatch(/^Not verified: wrong code, and that was the last try: this claim is void/);
    expect(await say(me, `verify ${code}`)).toMatch(/no claim waiting/);
    expect(await say(me, 'force build linux')).toMatch(/not verified yet/);

    const before = smtp.messages.length;
    expect(await say(me, 'i am user warner')).toMatch(/I mailed a code/);
    await waitFor('the second mail', () => smtp.messages.length > before);
    const code2 = codeIn(smtp.messages[smtp.messages.length - 1]!.text)!;
    clock += 31 * 60_000;
    expect(await say(me, `verify ${code2}`)).toMatch(/^Not verified: that code has expired; say "bb: i am user <name>" again/);
    expect(await say(me, 'whoami')).toMatch(/not verified yet/);

    // svnuser has no address of its own, but users.emailDomain gives one.
    expect(await say('@svn:test', 'i am user svnuser')).toBe('I mailed a code to s***@example.org; say `verify CODE` here or in a DM to me. Until then your claim to be svnuser grants nothing.');
    expect(await say(me, 'i am user nobody')).toMatch(/bb knows no user nobody; an admin can add one with "bb user add nobody --email <address>"/);
  });

  it('says so when it knows no address, and how an admin can link one; claims per hour are limited', async () => {
    fx = await PipelineFixture.create('users-noemail', config({ emailDomain: false }));
    await fx.startMaster();
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'lonely' });
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'busy', emails: ['busy@example.org'] });
    const say = matrixBot(fx);
    expect(await say('@l:test', 'i am user lonely')).toBe(
      'Cannot confirm that you are lonely: bb knows no email address for lonely, so it cannot mail a code; an admin can add one with "bb user link lonely email:<address>".',
    );
    for (let i = 0; i < 5; i++) expect(await say('@b:test', 'i am user busy')).toMatch(/I mailed a code/);
    expect(await say('@b:test', 'i am user busy')).toMatch(/too many claims from you this hour \(at most 5\)/);
  });

  it('the shell: i am user, the mailed code, verify, whoami, through the master\'s own chat', async () => {
    fx = await PipelineFixture.create('users-shell', config());
    const master = await fx.startMaster();
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'warner', emails: ['brian@shell.example'] });
    const input = new PassThrough();
    const output = new PassThrough();
    let seen = '';
    output.on('data', (d: Buffer) => (seen += d.toString()));
    await master.addChatTransport(new ShellTransport({ botName: 'bb', user: 'warner', channel: '#dev', input, output }));
    const say = (line: string, expect: RegExp) => {
      const from = seen.length;
      input.write(`${line}\n`);
      return waitFor(`reply ${expect}`, () => (expect.test(seen.slice(from)) ? seen.slice(from) : null), 15_000);
    };
    expect(await say('bb: i am user warner', /mailed/)).toContain('I mailed a code to b***@shell.example');
    const code = codeIn((await smtp.mailTo('brian@shell.example')).text)!;
    expect(await say(`bb: verify ${code}`, /Verified/)).toContain('Verified: you are bb user warner.');
    expect(await say('bb: whoami', /You are/)).toContain('You are bb user warner (verified).');
  });

  it('bb user set changes an existing user; zones, quiet hours and identities are checked', async () => {
    fx = await PipelineFixture.create('users-set', config());
    await fx.startMaster();
    const control = (req: Record<string, unknown>) => fx.client.control<{ user?: User; error?: string }>({ v: 1, type: 'user', ...req });
    await control({ op: 'add', name: 'warner', emails: ['warner@lothar.com'], timeZone: 'UTC', quietHours: { from: '23:00', to: '06:00' } });
    await control({ op: 'add', name: 'zooko', ircAccount: 'zooko' });

    // Through the command line: every flag, and --no-quiet-hours.
    const bb = async (label: string, ...args: string[]) => {
      const p = spawnBb(['user', ...args, '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label });
      const code = await p.exited;
      return { code, out: p.log() };
    };
    let r = await bb('set', 'set', 'warner', '--full-name', 'Brian Warner', '--irc-nick', 'warner_', '--irc-account', 'Warner', '--matrix', '@warner:example.org', '--time-zone', 'europe/berlin', '--quiet-hours', '22:00-7:00', '--email', 'brian@work.example');
    expect(r.code).toBe(0);
    expect(r.out).toContain('set: warner (Brian Warner, brian@work.example); time zone Europe/Berlin, quiet hours 22:00-07:00');
    expect(await fx.store.users.get('warner')).toMatchObject({
      fullName: 'Brian Warner',
      ircNick: 'warner_',
      ircAccount: 'Warner',
      matrixId: '@warner:example.org',
      timeZone: 'Europe/Berlin',
      quietHours: { from: '22:00', to: '07:00' },
      emails: ['brian@work.example', 'warner@lothar.com'],
    });
    expect((await fx.store.users.byIdentity({ kind: 'matrix', value: '@warner:example.org' }))?.name).toBe('warner');
    r = await bb('set-off', 'set', 'warner', '--no-quiet-hours', '--email', 'warner@lothar.com');
    expect(r.out).toContain('set: warner (Brian Warner, warner@lothar.com); time zone Europe/Berlin, no quiet hours');
    expect((await fx.store.users.get('warner'))?.quietHours).toBe(false);
    expect((await fx.store.users.get('warner'))?.emails).toEqual(['warner@lothar.com', 'brian@work.example']);
    r = await bb('set-zone', 'set', 'warner', '--time-zone', 'Mars/Base');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('bb: user set refused: time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin');
    r = await bb('set-quiet', 'set', 'warner', '--quiet-hours', '08:00-08:00');
    expect(r.code).toBe(2);
    expect(r.out).toContain('bb: --quiet-hours: quiet hours 08:00-08:00 begin and end at the same time');

    // Through the control queue, as the command line and chat send it. null: back to bb's default.
    expect(await control({ op: 'set', name: 'warner', quietHours: null })).toMatchObject({ user: { name: 'warner' } });
    expect(await fx.store.users.get('warner')).not.toHaveProperty('quietHours');
    expect(await control({ op: 'set', name: 'nobody', timeZone: 'UTC' })).toEqual({ error: 'no bb user nobody (add it first: bb user add nobody)' });
    expect(await control({ op: 'set', name: 'warner', timeZone: '+02:00' })).toEqual({ error: 'time zone "+02:00" is not an IANA time zone, e.g. Europe/Berlin' });
    expect(await control({ op: 'set', name: 'warner', quietHours: { from: '22:00', to: '22:00' } })).toMatchObject({ error: expect.stringMatching(/begin and end at the same time/) });
    expect(await control({ op: 'set', name: 'warner', quietHours: { from: '25:00', to: '07:00' } })).toMatchObject({ error: expect.stringMatching(/^quietHours\.from: HH:MM/) });
    expect(await control({ op: 'set', name: 'warner' })).toMatchObject({ error: expect.stringMatching(/^nothing to set for warner/) });
    // Identities stay one user's only, as with link.
    expect(await control({ op: 'set', name: 'zooko', ircAccount: 'WARNER' })).toEqual({ error: 'irc:warner already belongs to bb user warner' });
    expect(await control({ op: 'set', name: 'zooko', emails: ['Warner@Lothar.com'] })).toEqual({ error: 'email:warner@lothar.com already belongs to bb user warner' });
    // Nothing of a refused request was written.
    expect(await fx.store.users.get('warner')).toMatchObject({ timeZone: 'Europe/Berlin', emails: ['warner@lothar.com', 'brian@work.example'] });
    expect(await fx.store.users.get('zooko')).toMatchObject({ ircAccount: 'zooko', emails: [] });
    // add checks zones and quiet hours the same way.
    expect(await control({ op: 'add', name: 'meejah', timeZone: 'Mars/Base' })).toEqual({ error: 'time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin' });
    expect(await control({ op: 'add', name: 'meejah', quietHours: { from: '07:00', to: '07:00' } })).toMatchObject({ error: expect.stringMatching(/same time/) });
    expect(await fx.store.users.get('meejah')).toBeNull();
    // A new irc account replaces the old one in the index.
    await control({ op: 'set', name: 'zooko', ircAccount: 'zooko2' });
    expect(await fx.store.users.byIdentity({ kind: 'irc', value: 'zooko' })).toBeNull();
    expect((await fx.store.users.byIdentity({ kind: 'irc', value: 'ZOOKO2' }))?.name).toBe('zooko');
  });

  it('my timezone, my quiet hours and my settings: a verified user about themself; others are told to claim first', async () => {
    fx = await PipelineFixture.create('users-my', config());
    await fx.startMaster();
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'warner', fullName: 'Brian Warner', emails: ['warner@lothar.com'] });
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'zooko', emails: ['zooko@example.net'], timeZone: 'UTC' });
    const say = matrixBot(fx);
    const me = '@brian:test';
    const usage = 'Usage: my settings | timezone <zone> | quiet hours <HH:MM-HH:MM|off|default>';

    // Not verified: refused, and told how to become verified; nothing is written.
    const claimFirst = 'I don\'t know which bb user you are: say "bb: i am user NAME" first, then "verify CODE" with the code I mail to that user.';
    expect(await say(me, 'my timezone Europe/Berlin')).toBe(claimFirst);
    expect(await say(me, 'my quiet hours off')).toBe(claimFirst);
    expect(await say(me, 'my settings')).toBe(claimFirst);
    expect(await say(me, 'i am user warner')).toMatch(/^I mailed a code/);
    expect(await say(me, 'my timezone Europe/Berlin')).toBe(
      'Your claim to be warner is not verified yet: say "verify CODE" with the code mailed to warner, or "bb: i am user warner" for a new one.',
    );
    expect(await fx.store.users.get('warner')).not.toHaveProperty('timeZone');

    await verifyAs(say, me, 'warner', 'warner@lothar.com');
    expect(await say(me, 'my settings')).toBe(
      `You are bb user warner (Brian Warner): bb's default time zone (UTC), bb's default quiet hours (22:00-08:00), mail goes to w***@lothar.com.\nChange them with "bb: my timezone Europe/Berlin" and "bb: my quiet hours 22:00-07:00".`,
    );
    expect(await say(me, 'my quiet hours 22:00-07:00')).toBe('Your quiet hours are now 22:00-07:00, in bb\'s default time zone (UTC) until you set yours ("bb: my timezone ZONE").');
    expect(await say(me, 'my timezone europe/berlin')).toMatch(/^Your time zone is now Europe\/Berlin \(it is \d\d:\d\d there\)\.$/);
    expect(await say(me, 'my tz America/Los_Angeles')).toMatch(/^Your time zone is now America\/Los_Angeles/);
    expect(await say(me, 'my quiet hours 23:30 - 6:00')).toBe('Your quiet hours are now 23:30-06:00, in your time zone, America/Los_Angeles.');
    expect(await fx.store.users.get('warner')).toMatchObject({ timeZone: 'America/Los_Angeles', quietHours: { from: '23:30', to: '06:00' }, emails: ['warner@lothar.com'], matrixId: me });
    expect(await say(me, 'my settings')).toMatch(/^You are bb user warner \(Brian Warner\): time zone America\/Los_Angeles \(\d\d:\d\d there now\), quiet hours 23:30-06:00, mail goes to w\*\*\*@lothar\.com\.$/);
    expect(await say(me, 'my quiet hours off')).toBe('You have no quiet hours now: bb may remind you at any hour.');
    expect((await fx.store.users.get('warner'))?.quietHours).toBe(false);
    expect(await say(me, 'my settings')).toMatch(/, no quiet hours, mail goes to/);
    expect(await say(me, 'my quiet hours default')).toBe("Your quiet hours are bb's default again (22:00-08:00).");
    expect(await fx.store.users.get('warner')).not.toHaveProperty('quietHours');
    expect((await fx.store.users.byIdentity({ kind: 'matrix', value: me }))?.name).toBe('warner');

    // Bad input gets the usage, and changes nothing.
    expect(await say(me, 'my')).toBe(usage);
    expect(await say(me, 'my colour blue')).toBe(usage);
    expect(await say(me, 'my settings please')).toBe(usage);
    expect(await say(me, 'my timezone')).toBe(usage);
    expect(await say(me, 'my quiet hours')).toBe(usage);
    expect(await say(me, 'my timezone Mars/Base')).toBe(`time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin. ${usage}`);
    expect(await say(me, 'my quiet hours 22:00-22:00')).toBe(`quiet hours 22:00-22:00 begin and end at the same time: give a range such as 22:00-07:00, or none. ${usage}`);
    expect(await say(me, 'my quiet hours 25:00-07:00')).toBe(`quiet hours "25:00-07:00": write HH:MM-HH:MM, e.g. 22:00-07:00. ${usage}`);
    expect((await fx.store.users.get('warner'))?.timeZone).toBe('America/Los_Angeles');

    // Only one's own user: another verified person changes theirs, not warner's.
    await verifyAs(say, '@zooko:test', 'zooko', 'zooko@example.net');
    expect(await say('@zooko:test', 'my timezone Asia/Tokyo')).toMatch(/^Your time zone is now Asia\/Tokyo/);
    expect((await fx.store.users.get('warner'))?.timeZone).toBe('America/Los_Angeles');
    expect((await fx.store.users.get('zooko'))?.timeZone).toBe('Asia/Tokyo');

    // A removed user's claims are void: back to claiming first.
    await fx.client.control({ v: 1, type: 'user', op: 'remove', name: 'warner' });
    expect(await say(me, 'my settings')).toMatch(/^Your claim to be warner is not verified yet/);
  });

  it('user show, link and set in chat: for verified admins (users.admins) only', async () => {
    fx = await PipelineFixture.create('users-admin', config({ admins: ['zooko'] }));
    await fx.startMaster();
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'warner', fullName: 'Brian Warner', emails: ['warner@lothar.com'], authors: ['Brian Warner <warner@lothar.com>'] });
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'zooko', emails: ['zooko@example.net'] });
    const say = matrixBot(fx);
    const admin = '@zooko:test';
    const brian = '@brian:test';
    const usage = 'Usage: user show <name|identity> | link <name> <identity> | set <name> [tz=<zone>] [quiet=<HH:MM-HH:MM|off|default>]';

    // Nobody verified yet: refused, with how to verify.
    expect(await say(admin, 'user show warner')).toBe(
      'Only bb user admins may manage users from chat. I don\'t know which bb user you are: say "bb: i am user NAME" first, then "verify CODE" with the code I mail to that user.',
    );
    await verifyAs(say, admin, 'zooko', 'zooko@example.net');
    await verifyAs(say, brian, 'warner', 'warner@lothar.com');

    // A verified user who is no admin is refused everything, and nothing changes.
    const notAdmin = "Sorry, warner: only bb user admins may manage users from chat (users.admins in the master's config: zooko).";
    expect(await say(brian, 'user show warner')).toBe(notAdmin);
    expect(await say(brian, 'user link warner irc:brian')).toBe(notAdmin);
    expect(await say(brian, 'user set warner tz=UTC')).toBe(notAdmin);
    expect(await fx.store.users.get('warner')).toMatchObject({ emails: ['warner@lothar.com'] });
    expect(await fx.store.users.get('warner')).not.toHaveProperty('timeZone');
    expect(await fx.store.users.byIdentity({ kind: 'irc', value: 'brian' })).toBeNull();

    // The admin: show by name or identity (addresses masked in a channel, whole in a DM).
    expect(await say(admin, 'user show warner')).toBe(
      "warner (Brian Warner)\nemails: w***@lothar.com; authors: Brian Warner <w***@lothar.com>\nmatrix @brian:test\nbb's default time zone (UTC); bb's default quiet hours (22:00-08:00)",
    );
    expect(await say(admin, 'user show @brian:test')).toMatch(/^warner \(Brian Warner\)\n/);
    expect(await say(admin, 'user show warner@lothar.com', true)).toBe(
      "warner (Brian Warner)\nemails: warner@lothar.com; authors: Brian Warner <warner@lothar.com>\nmatrix @brian:test\nbb's default time zone (UTC); bb's default quiet hours (22:00-08:00)",
    );
    expect(await say(admin, 'user show nobody')).toBe('no bb user "nobody"');
    // link, as bb user link does it; one identity, one user.
    expect(await say(admin, 'user link warner irc:Warner')).toBe(
      "Linked irc:Warner to warner.\nemails: w***@lothar.com; authors: Brian Warner <w***@lothar.com>\nirc account Warner, matrix @brian:test\nbb's default time zone (UTC); bb's default quiet hours (22:00-08:00)",
    );
    expect((await fx.store.users.byIdentity({ kind: 'irc', value: 'warner' }))?.name).toBe('warner');
    expect(await say(admin, 'user link warner Brian W <bw@home.example>')).toMatch(/^Linked Brian W <bw@home.example> to warner\./);
    expect((await fx.store.users.get('warner'))?.authors).toEqual(['Brian Warner <warner@lothar.com>', 'Brian W <bw@home.example>']);
    expect(await say(admin, 'user link zooko irc:WARNER')).toBe('irc:warner already belongs to bb user warner');
    expect(await say(admin, 'user link zooko nonsense')).toMatch(/^"nonsense" is not an identity/);
    expect(await say(admin, 'user link nobody irc:nobody')).toBe('no bb user nobody (add it first: bb user add nobody)');
    // set: time zone and quiet hours, checked as bb user set checks them.
    expect(await say(admin, 'user set warner tz=Europe/Berlin quiet=22:00-07:00')).toBe('warner: time zone Europe/Berlin, quiet hours 22:00-07:00.');
    expect(await fx.store.users.get('warner')).toMatchObject({ timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } });
    expect(await say(admin, 'user set warner quiet=off')).toBe('warner: time zone Europe/Berlin, no quiet hours.');
    expect((await fx.store.users.get('warner'))?.quietHours).toBe(false);
    expect(await say(admin, 'user set warner quiet=default')).toBe("warner: time zone Europe/Berlin, bb's default quiet hours (22:00-08:00).");
    expect(await fx.store.users.get('warner')).not.toHaveProperty('quietHours');
    expect(await say(admin, 'user set nobody tz=UTC')).toBe('no bb user nobody (add it first: bb user add nobody)');
    expect(await say(admin, 'user set warner tz=Mars/Base')).toBe(`time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin. ${usage}`);
    expect(await say(admin, 'user set warner quiet=07:00-07:00')).toMatch(/begin and end at the same time/);
    expect(await say(admin, 'user set warner colour=blue')).toMatch(/^"colour=blue" is not a setting/);
    expect(await say(admin, 'user set warner')).toMatch(/^say what to set/);
    expect((await fx.store.users.get('warner'))?.timeZone).toBe('Europe/Berlin');
    // Wrong shapes get the usage.
    expect(await say(admin, 'user warner')).toBe(usage);
    expect(await say(admin, 'user show')).toBe(usage);
    expect(await say(admin, 'user show warner zooko')).toBe(usage);
    expect(await say(admin, 'user remove warner')).toBe(usage);
    expect(await say(admin, 'user link warner')).toBe(usage);
    // Admins manage others from chat; their own settings too.
    expect(await say(admin, 'user set zooko tz=UTC')).toBe("zooko: time zone UTC, bb's default quiet hours (22:00-08:00).");
  });

  it('bb user add, link, show, list and remove, through the master', async () => {
    fx = await PipelineFixture.create('users-cli', config());
    await fx.startMaster();
    const bb = async (label: string, ...args: string[]) => {
      const p = spawnBb(['user', ...args, '--redis', fx.redisUrl, '--prefix', fx.prefix], { logDir: fx.dir, label });
      const code = await p.exited;
      return { code, out: p.log() };
    };
    let r = await bb('add', 'add', 'warner', '--full-name', 'Brian Warner', '--email', 'warner@lothar.com', '--time-zone', 'America/Los_Angeles', '--quiet-hours', '22:00-07:00');
    expect(r.code).toBe(0);
    expect(r.out).toContain('added warner (Brian Warner, warner@lothar.com)');
    r = await bb('link-irc', 'link', 'warner', 'irc:Warner');
    expect(r.out).toContain('linked: warner');
    r = await bb('link-author', 'link', 'warner', 'Brian Warner <brian@work.example>');
    expect(r.code).toBe(0);
    r = await bb('add-zooko', 'add', 'zooko', '--email', 'zooko@example.net');
    expect(r.code).toBe(0);
    // An identity belongs to one user only.
    r = await bb('link-taken', 'link', 'zooko', 'email:WARNER@lothar.com');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('bb: user link refused: email:warner@lothar.com already belongs to bb user warner');
    r = await bb('link-bad', 'link', 'zooko', 'not an identity');
    expect(r.out).toMatch(/is not an identity/);
    r = await bb('show', 'show', 'irc:warner');
    expect(r.out).toContain('name: warner\nfull name: Brian Warner\nemails: warner@lothar.com\nauthors: Brian Warner <brian@work.example>\nirc account: Warner\ntime zone: America/Los_Angeles\nquiet hours: 22:00-07:00');
    r = await bb('list', 'list');
    expect(r.out).toMatch(/warner \(Brian Warner, warner@lothar.com\)\nzooko \(zooko@example.net\)/);
    r = await bb('remove', 'remove', 'warner');
    expect(r.out).toContain('removed warner');
    expect(await fx.store.users.byIdentity({ kind: 'irc', value: 'warner' })).toBeNull();
    r = await bb('show-gone', 'show', 'warner');
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('no bb user "warner"');
    // A change by the new author string now resolves to the user who has it.
    await fx.client.control({ v: 1, type: 'user', op: 'link', name: 'zooko', identity: 'Zooko W <zooko@work.example>' });
    await fx.client.sendChange({ author: 'Zooko W <zooko@work.example>', branch: 'main', revision: 'dddd1111' });
    await waitFor('the change', async () => (await fx.redis.get(fx.keys.usersCursor)) === '1');
    expect((await fx.store.users.list()).map((u) => u.name)).toEqual(['zooko']);
  });
});
