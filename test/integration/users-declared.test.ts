import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { CommandRouter } from '../../src/chat/router.js';
import { MasterBotApi } from '../../src/chat/master-api.js';
import { ChatAuthorizer } from '../../src/chat/authz.js';
import { allCommands } from '../../bot-commands/index.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import { userControl } from '../../src/users/control.js';

/** `users.people` against a real master on real Redis: merged at start and on reconfig. */

type Person = NonNullable<NonNullable<TestConfig['users']>['people']>[number];

const config = (people: Person[]) =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    users: { people },
    chat: { permissions: { users: ['alice'] } },
  });

const ALICE = {
  name: 'alice', fullName: 'Alice Liddell', emails: ['alice@example.org', 'liddell@example.net'],
  irc: { nick: 'alice_', account: 'aliceacct' }, timeZone: 'Europe/Berlin', quietHours: { from: '21:00', to: '06:30' },
} satisfies Person;

/** A router wired as the master's chat service wires it, fed IRC messages as the transport would. */
function ircBot(fx: PipelineFixture) {
  const api = new MasterBotApi(fx.store, fx.master!.config, 'bb', '0.1.0');
  const authz = new ChatAuthorizer(fx.master!.config.chat!.permissions, () => undefined, async (m) => (await api.identity.whoami(m)).claim);
  const router = new CommandRouter(allCommands(), api, fx.log, authz, { max: 1000, windowMs: 60_000 });
  return async (nick: string, account: string | null, text: string): Promise<string> => {
    const m: ChatMessage = { transport: 'irc', channel: '#dev', replyTo: '#dev', sender: nick, account, text: `bb: ${text}`, isDirect: false };
    return (await router.handle(m))?.lines.join('\n') ?? '';
  };
}

describe('users declared in the config (users.people)', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('a user learned from changes by a declared address becomes that person; the config wins for the fields it names', async () => {
    fx = await PipelineFixture.create('users-declared', config([]));
    await fx.startMaster({ configFile: fx.configPath });
    // Before alice is declared: her change makes a learned user named after the address, and bb user set gives it a zone.
    await fx.client.sendChange({ author: 'A. Liddell <Liddell@example.net>', branch: 'main', revision: 'aaaa1111' });
    await waitFor('the change resolved', async () => (await fx.redis.get(fx.keys.usersCursor)) === '1');
    await fx.store.users.withLock(async () => {
      const u = (await fx.store.users.get('liddell'))!;
      await fx.store.users.put({ ...u, timeZone: 'Asia/Tokyo', ircNick: 'somebody' });
    });
    await fx.master!.stop();

    fx.writeConfig(config([ALICE]));
    await fx.startMaster({ configFile: fx.configPath });
    await fx.master!.users.settled();
    expect((await fx.store.users.list()).map((u) => u.name)).toEqual(['alice']);
    const alice = (await fx.store.users.get('alice'))!;
    expect(alice).toMatchObject({
      fullName: 'Alice Liddell',
      emails: ['alice@example.org', 'liddell@example.net'],
      authors: ['A. Liddell <Liddell@example.net>'],
      ircNick: 'alice_',
      ircAccount: 'aliceacct',
      timeZone: 'Europe/Berlin',
      quietHours: { from: '21:00', to: '06:30' },
    });
    expect((await fx.store.users.byIdentity({ kind: 'author', value: 'A. Liddell <Liddell@example.net>' }))?.name).toBe('alice');

    // A new change by either declared address is hers: no new user.
    await fx.client.sendChange({ author: 'Alice L <ALICE@example.org>', branch: 'main', revision: 'aaaa2222' });
    await waitFor('the second change resolved', async () => (await fx.redis.get(fx.keys.usersCursor)) === '2');
    expect((await fx.store.users.list()).map((u) => u.name)).toEqual(['alice']);
    expect((await fx.store.users.get('alice'))!.authors).toEqual(['A. Liddell <Liddell@example.net>', 'Alice L <ALICE@example.org>']);

    // The declared IRC account is what permissions see: alice (granted by bb user name) may force a build.
    const say = ircBot(fx);
    expect(await say('alice_', 'aliceacct', 'whoami')).toMatch(/You are bb user alice \(verified\)/);
    expect(await say('alice_', 'aliceacct', 'force build linux')).toMatch(/Build forced for linux/);
    expect(await say('alice_', 'notalice', 'force build linux')).toMatch(/you may not force build/);

    // What the config names cannot be changed by hand (the config would undo it); what it leaves out can.
    expect(await say('alice_', 'aliceacct', 'my timezone Asia/Tokyo')).toContain('the time zone of alice is set in the master config (users.people): change it there, then bb reconfig');
    const control = (req: object) => userControl(fx.store, { v: 1, type: 'user', ...req }, Date.now(), fx.master!.config.users.people);
    await expect(control({ op: 'set', name: 'alice', ircAccount: 'other', fullName: 'A' })).rejects.toThrow('the full name, IRC account of alice are set in the master config (users.people)');
    await expect(control({ op: 'link', name: 'alice', identity: 'irc:other' })).rejects.toThrow('the IRC account of alice is set in the master config');
    await expect(control({ op: 'remove', name: 'alice' })).rejects.toThrow('bb user alice is declared in the master config (users.people)');
    await control({ op: 'link', name: 'alice', identity: '@alice:example.org' });

    // A field changed behind bb's back (here: straight in the store) lasts until the config is applied again (reconfig or restart); a field the config leaves out stays.
    await fx.store.users.withLock(async () => {
      const u = (await fx.store.users.get('alice'))!;
      await fx.store.users.put({ ...u, timeZone: 'Asia/Tokyo' });
    });
    fx.writeConfig(config([{ ...ALICE, irc: { ...ALICE.irc, account: 'alice2' }, timeZone: 'America/New_York' }]));
    expect(await fx.master!.reload()).toMatchObject({ ok: true, changes: expect.anything() });
    await fx.master!.users.settled();
    expect(await fx.store.users.get('alice')).toMatchObject({ ircAccount: 'alice2', timeZone: 'America/New_York', matrixId: '@alice:example.org' });
    expect(await fx.store.users.byIdentity({ kind: 'irc', value: 'aliceacct' })).toBeNull();
    expect(await say('alice_', 'aliceacct', 'force build linux')).toMatch(/you may not force build/);
    expect(await say('alice_', 'alice2', 'whoami')).toMatch(/You are bb user alice \(verified\)/);
    // forget me leaves a declared account linked, and says where it is set.
    const sayNow = ircBot(fx);
    expect(await sayNow('alice_', 'alice2', 'forget me')).toBe('This IRC account is bb user alice in the master config (users.people), so it stays linked: an operator changes it there, then bb reconfig.');
    expect((await fx.store.users.byIdentity({ kind: 'irc', value: 'alice2' }))?.name).toBe('alice');
  }, 60_000);

  it('an account a learned user holds is taken by the declared person; the rest of that user stays', async () => {
    fx = await PipelineFixture.create('users-declared-take', config([]));
    await fx.startMaster({ configFile: fx.configPath });
    await fx.client.sendChange({ author: 'Bob <bob@example.org>', branch: 'main', revision: 'bbbb1111' });
    await waitFor('the change resolved', async () => (await fx.redis.get(fx.keys.usersCursor)) === '1');
    await fx.store.users.withLock(async () => {
      const u = (await fx.store.users.get('bob'))!;
      await fx.store.users.put({ ...u, ircAccount: 'aliceacct' });
    });
    fx.writeConfig(config([ALICE]));
    expect(await fx.master!.reload()).toMatchObject({ ok: true, changes: expect.anything() });
    await fx.master!.users.settled();
    expect((await fx.store.users.list()).map((u) => u.name).sort()).toEqual(['alice', 'bob']);
    expect((await fx.store.users.get('bob'))!.ircAccount).toBeUndefined();
    expect((await fx.store.users.byIdentity({ kind: 'irc', value: 'aliceacct' }))?.name).toBe('alice');
    expect((await fx.store.users.byIdentity({ kind: 'email', value: 'bob@example.org' }))?.name).toBe('bob');
  }, 60_000);
});
