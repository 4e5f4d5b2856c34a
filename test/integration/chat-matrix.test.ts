import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MatrixHuman, waitFor } from '../harness/matrix-human.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { startSynapse, type TestSynapse } from '../harness/synapse.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';

/**
 * The chat bot of a real master on a real Synapse, talked to by real Matrix users over the
 * Client-Server API, with a real executor running builds.
 */

const PASSWORD_ENV = 'BB_TEST_CHAT_MATRIX_PASSWORD';
const BOT_PASSWORD = 'bot-matrix-password';

let synapse: TestSynapse;
let smtp: TestSmtp;
let fx: PipelineFixture;
let botId: string;
/** alice is listed in chat.permissions.users; carol is not. */
let alice: MatrixHuman, carol: MatrixHuman;
let room: string;

function config(url: string, aliceId: string, carolId: string): TestConfig {
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
      matrix: {
        homeserverUrl: url,
        login: { user: 'bb', password: { env: PASSWORD_ENV } },
        rooms: ['#builds:localhost'],
        invites: { users: [aliceId, carolId] },
      },
      permissions: { users: [aliceId] },
    },
    users: {
      emailDomain: 'example.org',
      smtp: smtpSettings(smtp.port, 'bb@example.org'),
    },
  });
}

/** `h` says `text` in `roomId`; resolves with the body of the bot's first later message matching `pattern`. */
async function ask(h: MatrixHuman, roomId: string, text: string, pattern: RegExp): Promise<string> {
  const said = await h.say(roomId, text);
  return waitFor(`the bot's answer to "${text}"`, async () => {
    const events = await h.messages(roomId, 50);
    const after = events.slice(events.findIndex((e) => e.event_id === said) + 1);
    const hit = after.find((e) => e.sender === botId && e.type === 'm.room.message' && pattern.test(String(e.content.body)));
    return hit ? String(hit.content.body) : null;
  });
}

async function dmWithBot(h: MatrixHuman): Promise<string> {
  const dm = await h.createRoom({ preset: 'trusted_private_chat', is_direct: true, invite: [botId] });
  await waitFor('the bot to join the DM', async () => (await h.membership(dm, botId)) === 'join');
  return dm;
}

const buildsets = () => fx.store.lastBuildSetId();

beforeAll(async () => {
  synapse = await startSynapse();
  smtp = await TestSmtp.start();
  botId = (await synapse.registerUser('bb', BOT_PASSWORD)).userId;
  alice = new MatrixHuman(synapse.url, await synapse.registerUser('alice', 'alice-password'));
  carol = new MatrixHuman(synapse.url, await synapse.registerUser('carol', 'carol-password'));
  room = await alice.createRoom({ preset: 'public_chat', room_alias_name: 'builds', name: 'builds' });
  await carol.join(room);

  process.env[PASSWORD_ENV] = BOT_PASSWORD;
  fx = await PipelineFixture.create('chatmx', config(synapse.url, alice.userId, carol.userId));
  await fx.startMaster();
  await fx.startExecutor('a', SECRET_A);
  // Their addresses come from users.emailDomain: alice@example.org, warner@example.org.
  for (const name of ['alice', 'warner']) await fx.client.control({ v: 1, type: 'user', op: 'add', name });
  await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
  await waitFor('the bot in #builds', async () => (await alice.membership(room, botId)) === 'join');
}, 120_000);

afterAll(async () => {
  await fx?.close();
  await synapse?.stop();
  await smtp?.close();
  delete process.env[PASSWORD_ENV];
});

describe('the chat bot on Matrix, from the master config', () => {
  it('keeps its Matrix state in <basedir>/matrix-state.json', () => {
    expect(existsSync(join(fx.dir, 'master', 'matrix-state.json'))).toBe(true);
  });

  it('answers status, force and i am in a room; force only for a listed Matrix id', async () => {
    expect(await ask(alice, room, 'bb: status linux', /^linux:/)).toBe('linux: idle; no builds yet [1/1 executors online]');
    expect(await ask(alice, room, 'bb: force build trunk', /forced|Sorry/)).toBe('Build forced for linux, docs on main (buildset 1).');
    await waitFor('both builds to finish', async () => (await fx.builds('linux'))[0]?.state === 'finished' && (await fx.builds('docs'))[0]?.state === 'finished');
    expect((await fx.builds('linux'))[0]).toMatchObject({ result: 'SUCCESS' });

    expect(await ask(carol, room, 'bb: force build trunk', /forced|Sorry/)).toBe(
      `Sorry, ${carol.userId}, you may not force build: it needs permission: ask an admin to add ${carol.userId} to chat.permissions.users`,
    );
    expect(await buildsets()).toBe(1);

    expect(await ask(alice, room, 'bb: i am user alice', /mailed|Cannot/)).toBe('I mailed a code to a***@example.org; say `verify CODE` here or in a DM to me. Until then your claim to be alice grants nothing.');
    const claim = (await fx.store.claims.get({ transport: 'matrix', kind: 'account', id: alice.userId }))!;
    expect(claim).toMatchObject({ user: 'alice', verified: false, account: alice.userId, transport: 'matrix' });
    expect(await ask(alice, room, 'bb: whoami', /You are/)).toBe(
      `You are ${alice.userId} on Matrix (your homeserver vouches for this id). You claim to be bb user alice (not verified yet; it grants nothing: say "verify CODE" with the code mailed to alice).`,
    );
  });

  it('answers the same in a DM, without the bot name', async () => {
    const dm = await dmWithBot(alice);
    expect(await ask(alice, dm, 'status docs', /^docs:/)).toMatch(/^docs: idle; last #1 SUCCESS/);
    expect(await ask(alice, dm, 'force build docs', /forced|Sorry/)).toBe('Build forced for docs (buildset 2).');
    expect(await ask(alice, dm, 'i am user warner', /mailed|Cannot/)).toMatch(/^I mailed a code to w\*\*\*@example\.org; say `verify CODE` here/);

    const carolDm = await dmWithBot(carol);
    expect(await ask(carol, carolDm, 'force build docs', /forced|Sorry/)).toMatch(new RegExp(`^Sorry, ${carol.userId}, you may not force build`));
    expect(await ask(carol, carolDm, 'whoami', /You are/)).toMatch(/You have not said which bb user you are; say "bb: i am user <name>"\.$/);
    await waitFor('docs #2', async () => (await fx.builds('docs'))[1]?.state === 'finished');
    expect(await buildsets()).toBe(2);
  });

  it('sends announcements through its outbox and lists its rooms', async () => {
    const chat = fx.master!.chat!;
    expect(chat.targets()).toEqual(expect.arrayContaining(['matrix:#builds:localhost', `matrix:${room}`]));
    await chat.send('matrix:#builds:localhost', 'linux #9 FAILURE', { html: '<b>linux #9</b> FAILURE' });
    const notice = await waitFor('the announcement', async () => (await alice.messages(room)).find((e) => e.sender === botId && e.content.body === 'linux #9 FAILURE'));
    expect(notice.content).toMatchObject({ msgtype: 'm.notice', formatted_body: '<b>linux #9</b> FAILURE' });
  });

  it('keeps claims across a master restart', async () => {
    await fx.master!.stop();
    await fx.startMaster();
    const dm = await dmWithBot(alice);
    expect(await ask(alice, dm, 'whoami', /You are/)).toMatch(/You claim to be bb user warner \(not verified yet; it grants nothing: say "verify CODE" with the code mailed to warner\)\.$/);
    // The code mailed before the restart still counts.
    const code = /verify ([A-Z0-9]{8})/.exec((await smtp.mailTo('warner@example.org')).text)![1]!;
    expect(await ask(alice, dm, `verify ${code}`, /erified/)).toBe('Verified: you are bb user warner.');
    expect(await ask(alice, dm, 'whoami', /You are/)).toMatch(/You are bb user warner \(verified\)\.$/);
  });
});
