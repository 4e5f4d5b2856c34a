import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTED_ROOM_NOTICE } from '../../src/chat/matrix/encryption.js';
import { MatrixTransport } from '../../src/chat/matrix/matrix-transport.js';
import type { MatrixTransportOptions } from '../../src/chat/matrix/options.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import { MatrixHuman, waitFor, type MatrixEvent } from '../harness/matrix-human.js';
import { startSynapse, type TestMatrixUser, type TestSynapse } from '../harness/synapse.js';

const BOT_PASSWORD = 'bot-password';

let synapse: TestSynapse;
let botUser: TestMatrixUser;
let alice: MatrixHuman; // allowed to invite the bot
let carol: MatrixHuman; // a third person in the channel, and the target of the bot's own DMs
let mallory: MatrixHuman; // not allowed to invite the bot
let dir: string;
let storageFile: string;
let transport: MatrixTransport;
let inbox: ChatMessage[];
let channel: string; // alice's room with bot, alice and carol
let carolDm: string; // the DM room the bot made for carol
let opsRoom: string; // a public room the bot is configured to join, by alias

function options(extra: Partial<MatrixTransportOptions> = {}): MatrixTransportOptions {
  return {
    homeserverUrl: synapse.url,
    login: { user: 'bb', password: BOT_PASSWORD },
    storageFile,
    botName: 'bb',
    invites: { users: [alice.userId] },
    ...extra,
  };
}

async function startTransport(extra: Partial<MatrixTransportOptions> = {}): Promise<void> {
  transport = new MatrixTransport(options(extra));
  inbox = [];
  transport.onMessage((m) => inbox.push(m));
  await transport.start();
}

function received(text: string): Promise<ChatMessage> {
  return waitFor(`the bot to receive "${text}"`, () => inbox.find((m) => m.text === text));
}

function fromBot(events: MatrixEvent[]): MatrixEvent[] {
  return events.filter((e) => e.sender === botUser.userId && e.type === 'm.room.message');
}

/** The bot account seen from outside, with the token its registration gave (not the transport's). */
async function asBot<T>(path: string): Promise<T> {
  const res = await fetch(`${synapse.url}/_matrix/client/v3${path}`, { headers: { authorization: `Bearer ${botUser.accessToken}` } });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function botDevices(): Promise<number> {
  return (await asBot<{ devices: unknown[] }>('/devices')).devices.length;
}

async function botRooms(): Promise<string[]> {
  return (await asBot<{ joined_rooms: string[] }>('/joined_rooms')).joined_rooms.sort();
}

beforeAll(async () => {
  synapse = await startSynapse();
  botUser = await synapse.registerUser('bb', BOT_PASSWORD);
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  carol = new MatrixHuman(synapse.url, await synapse.registerUser('carol', 'carol-password'));
  mallory = new MatrixHuman(synapse.url, await synapse.registerUser('mallory', 'mallory-password'));
  dir = mkdtempSync(join(tmpdir(), 'bb-matrix-'));
  storageFile = join(dir, 'state', 'matrix.json');
  await startTransport();
});

afterAll(async () => {
  await transport?.stop();
  await synapse?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MatrixTransport against a real Synapse', () => {
  it('refuses a bad access token at start with a clear error', async () => {
    const bad = new MatrixTransport({ ...options(), login: undefined, accessToken: 'syt_not_a_token', storageFile: join(dir, 'bad.json') });
    await expect(bad.start()).rejects.toThrow(/rejected the access token \(M_UNKNOWN_TOKEN\)/);
  });

  it('refuses a wrong password at start with a clear error', async () => {
    const bad = new MatrixTransport({ ...options(), login: { user: 'bb', password: 'wrong' }, storageFile: join(dir, 'bad-login.json') });
    await expect(bad.start()).rejects.toThrow(/refused the password login of bb \(M_FORBIDDEN\)/);
  });

  it('logs in with a password and knows its Matrix ID', () => {
    expect(transport.userId).toBe(botUser.userId);
    expect(transport.botName).toBe('bb');
  });

  it("joins on an allowed user's invite and rejects a stranger's", async () => {
    channel = await alice.createRoom({ name: 'builds', invite: [carol.userId] });
    await carol.join(channel);
    await alice.invite(channel, botUser.userId);
    await waitFor('the bot to join alice\'s room', async () => (await alice.membership(channel, botUser.userId)) === 'join');

    const strangers = await mallory.createRoom({ name: 'spam' });
    await mallory.invite(strangers, botUser.userId);
    await waitFor('the bot to reject mallory\'s invite', async () => (await mallory.membership(strangers, botUser.userId)) === 'leave');
  });

  it('acts only on what is said after it joined a room', async () => {
    const room = await alice.createRoom({ name: 'late', invite: [carol.userId] });
    await carol.join(room);
    await alice.say(room, 'bb: said before the bot came');
    await alice.invite(room, botUser.userId);
    await waitFor('the bot to join', async () => (await alice.membership(room, botUser.userId)) === 'join');
    await alice.say(room, 'bb: said after the bot came');
    await received('bb: said after the bot came');
    expect(inbox.map((m) => m.text)).not.toContain('bb: said before the bot came');
  });

  it('receives a command with the sender\'s Matrix ID as account', async () => {
    await alice.say(channel, 'bb: status linux');
    const m = await received('bb: status linux');
    expect(m).toEqual({
      transport: 'matrix',
      channel,
      replyTo: channel,
      sender: alice.userId,
      account: alice.userId,
      text: 'bb: status linux',
      isDirect: false,
      saidAt: expect.any(Number),
      late: false,
    });
  });

  it('reads a mention by Matrix ID as addressed by name, and ignores notices and edits', async () => {
    await alice.say(channel, 'a notice', { msgtype: 'm.notice' });
    const original = await alice.say(channel, 'bb: stauts');
    await alice.say(channel, '* bb: status', {
      'm.new_content': { msgtype: 'm.text', body: 'bb: status' },
      'm.relates_to': { rel_type: 'm.replace', event_id: original },
    });
    await alice.say(channel, `${botUser.userId}: help`);
    await received('bb: help');
    expect(inbox.map((m) => m.text)).not.toContain('a notice');
    expect(inbox.map((m) => m.text)).not.toContain('* bb: status');
  });

  it('answers with an HTML notice', async () => {
    await transport.send(channel, 'linux: build 12 failed', { html: '<b>linux</b>: build 12 failed' });
    const reply = await waitFor('the bot\'s notice', async () => fromBot(await alice.messages(channel)).at(-1));
    expect(reply.content).toEqual({
      msgtype: 'm.notice',
      body: 'linux: build 12 failed',
      format: 'org.matrix.custom.html',
      formatted_body: '<b>linux</b>: build 12 failed',
    });
  });

  it('cuts an over-long message', async () => {
    await transport.send(channel, 'x'.repeat(20_000), { html: `<p>${'x'.repeat(20_000)}</p>`, moreHint: 'bb status --web' });
    const reply = await waitFor('the long notice', async () =>
      fromBot(await alice.messages(channel)).find((e) => String(e.content.body).startsWith('xxx')),
    );
    const body = String(reply.content.body);
    expect(body.length).toBeLessThanOrEqual(8000);
    expect(body.endsWith('(cut: message too long; the rest: bb status --web)')).toBe(true);
    expect(reply.content.formatted_body).toBeUndefined();
  });

  it('takes a DM from a person as direct, and answers in it', async () => {
    const dm = await alice.createRoom({ preset: 'trusted_private_chat', is_direct: true, invite: [botUser.userId] });
    await waitFor('the bot to join the DM', async () => (await alice.membership(dm, botUser.userId)) === 'join');
    await alice.say(dm, 'status');
    const m = await received('status');
    expect(m).toMatchObject({ channel: null, replyTo: dm, isDirect: true, account: alice.userId });

    await transport.sendDirect(m.replyTo, 'all green');
    await waitFor('the answer in the DM', async () => fromBot(await alice.messages(dm)).some((e) => e.content.body === 'all green'));
  });

  it('opens a DM to a person once and reuses it', async () => {
    const roomsBefore = await botRooms();
    await transport.sendDirect(carol.userId, 'you broke the build');
    carolDm = await waitFor('carol\'s DM invite', async () => (await carol.pendingInvites())[0]);
    await transport.sendDirect(carol.userId, 'still broken');
    await carol.join(carolDm);
    const bodies = fromBot(await carol.messages(carolDm)).map((e) => e.content.body);
    expect(bodies).toEqual(['you broke the build', 'still broken']);
    expect(await botRooms()).toEqual([...roomsBefore, carolDm].sort());

    const direct = await asBot<Record<string, string[]>>(`/user/${encodeURIComponent(botUser.userId)}/account_data/m.direct`);
    expect(direct[carol.userId]).toEqual([carolDm]);
  });

  it('does not reuse a DM room it refused to join', async () => {
    const refused = await mallory.createRoom({ preset: 'trusted_private_chat', is_direct: true, invite: [botUser.userId] });
    await waitFor('the bot to reject the DM invite', async () => (await mallory.membership(refused, botUser.userId)) === 'leave');
    await transport.sendDirect(mallory.userId, 'your build is red');
    const fresh = await waitFor('a new DM invite for mallory', async () => (await mallory.pendingInvites()).find((r) => r !== refused));
    await mallory.join(fresh);
    expect(fromBot(await mallory.messages(fresh)).map((e) => e.content.body)).toEqual(['your build is red']);
  });

  it('tells how long a person has been idle, or null when it cannot tell', async () => {
    await alice.setPresence('online');
    const idle = await transport.idleSeconds(alice.userId);
    expect(typeof idle).toBe('number');
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThan(60);
    // Dave shares no room with the bot: Synapse does not tell his presence.
    const dave = await synapse.registerUser('dave', 'dave-password');
    expect(await transport.idleSeconds(dave.userId)).toBeNull();
    expect(await transport.idleSeconds('@nobody:localhost')).toBeNull();
  });

  it('knows room operators: the creator, and members with moderator power', async () => {
    expect(await transport.isOperator(channel, alice.userId)).toBe(true);
    expect(await transport.isOperator(channel, carol.userId)).toBe(false);
    const levels = await alice.call<{ users?: Record<string, number> }>('GET', `/rooms/${encodeURIComponent(channel)}/state/m.room.power_levels/`);
    await alice.setState(channel, 'm.room.power_levels', { ...levels, users: { ...levels.users, [carol.userId]: 50 } });
    expect(await transport.isOperator(channel, carol.userId)).toBe(true);
  });

  it('resumes after a restart from its sync token and DM map; what was said meanwhile comes marked late', async () => {
    const devices = await botDevices();
    const before = JSON.parse(readFileSync(storageFile, 'utf8')) as { syncToken?: string };
    expect(before.syncToken).toBeTruthy();
    await transport.stop();

    await alice.say(channel, 'bb: said while the bot was away');
    opsRoom = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'ops' });
    await startTransport({ rooms: ['#ops:localhost'], invites: { users: [alice.userId], rooms: ['#mallory-ci:localhost'] } });
    await alice.say(channel, 'bb: after restart');
    await received('bb: after restart');
    expect(inbox.map((m) => [m.text, m.late])).toEqual([
      ['bb: said while the bot was away', true],
      ['bb: after restart', false],
    ]);

    // The DM map came back from the homeserver: no second room for carol.
    const roomsBefore = await botRooms();
    await transport.sendDirect(carol.userId, 'welcome back');
    await waitFor('the DM after restart', async () => fromBot(await carol.messages(carolDm)).some((e) => e.content.body === 'welcome back'));
    expect(await botRooms()).toEqual(roomsBefore);
    // The password login's token was kept: no new device per restart.
    expect(await botDevices()).toBe(devices);
  });

  it('keeps working after the homeserver restarts', async () => {
    await synapse.restart();
    await alice.say(channel, 'bb: are you back');
    // The SDK's sync loop backs off 5-15 s after a failed sync.
    await waitFor('the bot to hear again', () => inbox.find((m) => m.text === 'bb: are you back'), 40_000);
    await transport.send(channel, 'back');
    await waitFor('the bot\'s answer', async () => fromBot(await alice.messages(channel)).some((e) => e.content.body === 'back'));
  }, 60_000);

  it('joins configured rooms by alias at start, and sends to an alias', async () => {
    expect(await alice.membership(opsRoom, botUser.userId)).toBe('join');
    await transport.send('#ops:localhost', 'deploying');
    await waitFor('the notice in #ops', async () => fromBot(await alice.messages(opsRoom)).some((e) => e.content.body === 'deploying'));
  });

  it('accepts an invite from anyone into a listed room, even one made after start', async () => {
    const ci = await mallory.createRoom({ room_alias_name: 'mallory-ci' });
    await mallory.invite(ci, botUser.userId);
    await waitFor('the bot to join the listed room', async () => (await mallory.membership(ci, botUser.userId)) === 'join');
  });

  it('leaves a room it is invited to when the room is encrypted, saying why', async () => {
    const secret = await alice.createRoom({
      initial_state: [{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } }],
    });
    await alice.invite(secret, botUser.userId);
    await waitFor('the bot to leave the encrypted room', async () => (await alice.membership(secret, botUser.userId)) === 'leave');
    const notices = fromBot(await alice.messages(secret));
    expect(notices.map((e) => e.content)).toEqual([{ msgtype: 'm.notice', body: ENCRYPTED_ROOM_NOTICE }]);
  });

  it('leaves a room when encryption is turned on there, and reads nothing from it', async () => {
    const room = await alice.createRoom({ invite: [carol.userId, botUser.userId] });
    await waitFor('the bot to join', async () => (await alice.membership(room, botUser.userId)) === 'join');
    await alice.setState(room, 'm.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' });
    await waitFor('the bot to leave', async () => (await alice.membership(room, botUser.userId)) === 'leave');
    expect(fromBot(await alice.messages(room)).map((e) => e.content.body)).toEqual([ENCRYPTED_ROOM_NOTICE]);
  });
});
