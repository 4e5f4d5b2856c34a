import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatrixHuman, waitFor, type MatrixEvent } from '../harness/matrix-human.js';
import { PipelineFixture } from '../harness/pipeline.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { startSynapse, type TestSynapse } from '../harness/synapse.js';

/**
 * On a real Synapse: what is addressed to a person notifies them under Matrix's default push rules
 * (their `/notifications` lists it), broadcast announcements stay notices; and what bb says while
 * the homeserver is down is said once it is back, in order, with the time, in the same DM room.
 */

const BOT_PASSWORD = 'bot-matrix-password';
const tuning = { backlog: { lateAfterMs: 0, limit: 10, keep: 5 }, drain: { retryMs: 200, maxRetryMs: 1000, pollMs: 50 } };
const STAMP = /^\[\d\d:\d\d UTC\] /;
/** Every outbox message counts as late here (lateAfterMs 0), so each may carry its time. */
const S = '(?:\\[\\d\\d:\\d\\d UTC\\] )?';

let synapse: TestSynapse;
let fx: PipelineFixture;
let botId: string;
let alice: MatrixHuman;
let room: string;
let dm: string;

function config(url: string, aliceId: string): TestConfig {
  return testConfig({
    executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    chat: {
      matrix: {
        homeserverUrl: url,
        login: { user: 'bb', password: { value: BOT_PASSWORD } },
        rooms: ['#builds:localhost'],
        invites: { users: [aliceId, '@carol:localhost'] },
      },
    },
  });
}

const fromBot = (events: MatrixEvent[], pattern: RegExp) => events.find((e) => e.sender === botId && e.type === 'm.room.message' && pattern.test(String(e.content.body)));

/** The event ids of alice's notifications. */
async function notified(): Promise<string[]> {
  const { notifications } = await alice.call<{ notifications: Array<{ event: { event_id: string } }> }>('GET', '/notifications?limit=100');
  return notifications.map((n) => n.event.event_id);
}

beforeAll(async () => {
  synapse = await startSynapse();
  botId = (await synapse.registerUser('bb', BOT_PASSWORD)).userId;
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  room = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'builds', name: 'builds' });
  fx = await PipelineFixture.create('chatmxout', config(synapse.url, alice.userId));
  await fx.startMaster({ chatTuning: tuning });
  await waitFor('the bot in #builds', async () => (await alice.membership(room, botId)) === 'join');
}, 120_000);

afterAll(async () => {
  await fx?.close();
  await synapse?.stop();
});

describe('Matrix messages addressed to a person notify them', () => {
  it('a reply to their command, a mention in a room and a reminder in a DM notify; an announcement does not', async () => {
    const chat = fx.master!.chat!;
    const said = await alice.say(room, 'bb: status linux');
    const reply = await waitFor('the reply', async () => fromBot(await alice.messages(room), /^linux:/));
    expect(reply.content).toMatchObject({ msgtype: 'm.text', 'm.mentions': { user_ids: [alice.userId] } });
    expect(String(reply.content.formatted_body)).toContain(`<a href="https://matrix.to/#/${alice.userId}">`);
    expect(said).toBeTruthy();

    await chat.send('matrix:#builds:localhost', 'linux #1: FAILURE', { tally: 'FAILURE' });
    await chat.send('matrix:#builds:localhost', `${alice.userId}: problem #1 is still open after 31m`, { mentions: [alice.userId], tally: 'reminders' });
    const notice = await waitFor('the announcement', async () => fromBot(await alice.messages(room), new RegExp(`^${S}linux #1: FAILURE$`)));
    expect(notice.content.msgtype).toBe('m.notice');
    const mention = await waitFor('the mention', async () => fromBot(await alice.messages(room), /problem #1 is still open/));
    expect(mention.content).toMatchObject({ msgtype: 'm.text', 'm.mentions': { user_ids: [alice.userId] } });
    expect(String(mention.content.formatted_body).replace(STAMP, '')).toBe(`<a href="https://matrix.to/#/${alice.userId}">${alice.userId}</a>: problem #1 is still open after 31m`);

    // The first DM makes the room and invites her; she joins; the reminder that follows notifies her.
    await chat.sendDirect('matrix', alice.userId, 'Hello from bb.');
    dm = await alice.nextInvite();
    await alice.join(dm);
    await chat.sendDirect('matrix', alice.userId, 'Problem #1: a.b fails on linux. Your change is among those blamed.', { tally: 'reminders' });
    const reminder = await waitFor('the reminder', async () => fromBot(await alice.messages(dm), new RegExp(`^${S}Problem #1:`)));
    expect(reminder.content).toMatchObject({ msgtype: 'm.text', 'm.mentions': { user_ids: [alice.userId] } });
    expect(await fx.store.outbox.dmRoom('matrix', alice.userId)).toBe(dm);

    const ids = await waitFor('her notifications', async () => {
      const n = await notified();
      return [reply, mention, reminder].every((e) => n.includes(e.event_id)) ? n : null;
    });
    expect(ids).not.toContain(notice.event_id);
  });
});

describe('who may change what a Matrix room hears', () => {
  it('a room moderator may mute and unmute it; a member without power may not, but may choose what they hear in a DM', async () => {
    const carol = new MatrixHuman(synapse.url, await synapse.registerUser('carol', 'carol-password'));
    await carol.join(room);
    const ask = async (h: MatrixHuman, where: string, text: string, pattern: RegExp) => {
      const said = await h.say(where, text);
      return waitFor(`the answer to ${text}`, async () => {
        const events = await h.messages(where, 50);
        const after = events.slice(events.findIndex((e) => e.event_id === said) + 1);
        return fromBot(after, pattern);
      });
    };
    expect(String((await ask(carol, room, 'bb: mute', /Muted|Sorry/)).content.body)).toBe(
      `Sorry, ${carol.userId}, you may not mute: it needs permission: ask an admin to add ${carol.userId} to chat.permissions.users, or be a moderator in ${room}`,
    );
    // alice made the room: power level 100.
    expect(String((await ask(alice, room, 'bb: mute', /Muted|Sorry/)).content.body)).toMatch(/^Muted: no announcements to /);
    expect(String((await ask(alice, room, 'bb: unmute', /nmuted|Sorry/)).content.body)).toMatch(/^Unmuted /);
    const carolDm = await carol.createRoom({ preset: 'trusted_private_chat', is_direct: true, invite: [botId] });
    await waitFor('the bot in carol\'s DM', async () => (await carol.membership(carolDm, botId)) === 'join');
    expect(String((await ask(carol, carolDm, 'mute', /Muted|Sorry/)).content.body)).toMatch(/^Muted: no announcements to your DMs/);
  });
});

describe('the Matrix outbox', () => {
  it('says what was announced while the homeserver was down once it is back, in order, with times, in the same DM room', async () => {
    const chat = fx.master!.chat!;
    await synapse.kill();
    for (const n of [2, 3, 4]) await chat.send('matrix:#builds:localhost', `linux #${n}: FAILURE`, { tally: 'FAILURE' });
    await chat.sendDirect('matrix', alice.userId, 'Problem #2: c.d fails on linux.', { tally: 'reminders' });
    expect(await fx.store.outbox.length('matrix')).toBeGreaterThanOrEqual(1);
    await synapse.start();

    const said = await waitFor('the backlog in the room', async () => {
      const got = (await alice.messages(room)).filter((e) => e.sender === botId && /linux #[234]:/.test(String(e.content.body)));
      return got.length === 3 ? got : null;
    }, 60_000);
    expect(said.map((e) => String(e.content.body).replace(STAMP, ''))).toEqual(['linux #2: FAILURE', 'linux #3: FAILURE', 'linux #4: FAILURE']);
    for (const e of said) expect(String(e.content.body)).toMatch(STAMP);
    const late = await waitFor('the reminder in the old DM room', async () => fromBot(await alice.messages(dm), /Problem #2:/), 60_000);
    expect(String(late.content.body)).toMatch(/^\[\d\d:\d\d UTC\] Problem #2: c\.d fails on linux\.$/);
    await waitFor('the outbox empty', async () => (await fx.store.outbox.length('matrix')) === 0);
  });

  it('reuses the DM room after a master restart', async () => {
    await fx.master!.stop();
    await fx.startMaster({ chatTuning: tuning });
    await fx.master!.chat!.sendDirect('matrix', alice.userId, 'Problem #3: e.f fails on linux.');
    await waitFor('the DM in the same room', async () => fromBot(await alice.messages(dm), /Problem #3:/), 30_000);
    expect(await alice.pendingInvites()).toEqual([]);
  });

  it('answers what was said while it was stopped: read-only commands are run, others are to be said again', async () => {
    const buildsets = () => fx.store.lastBuildSetId();
    const sets = await buildsets();
    await fx.master!.stop();
    await alice.say(room, 'bb: status linux');
    await alice.say(room, 'bb: force build linux');
    await fx.startMaster({ chatTuning: tuning });
    const status = await waitFor('the late status', async () => fromBot(await alice.messages(room), /while I was away\] linux:/), 30_000);
    expect(String(status.content.body)).toMatch(/^\[asked \d\d:\d\d UTC, while I was away\] linux: idle; /);
    const force = await waitFor('the late force', async () => fromBot(await alice.messages(room), /I was away when you said/), 30_000);
    expect(String(force.content.body)).toMatch(new RegExp(`^${alice.userId}: I was away when you said "force build linux" \\(\\d\\d:\\d\\d UTC\\); say it again if you still want it\\.$`));
    expect(await buildsets()).toBe(sets);
  });
});
