import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { makeRepo } from '../harness/git.js';
import { connectHuman, type IrcHuman, type SeenMessage } from '../harness/irc-human.js';
import { startIrcd, type TestIrcd } from '../harness/ircd.js';
import { MatrixHuman } from '../harness/matrix-human.js';
import { startSynapse, type TestSynapse } from '../harness/synapse.js';
import { smtpSettings, TestSmtp, type ReceivedMail } from '../harness/smtp.js';
import type { Problem } from '../../src/model/problem.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig, type BuilderInput } from '../harness/config.js';

type Step = NonNullable<BuilderInput['steps']>[number];

const BOT_SASL = 'bot-sasl-password';
const BOT_MX_PASSWORD = 'bot-matrix-password';
const fast = { irc: { reconnect: { initialMs: 100, maxMs: 500, jitter: 0.2 }, queryTimeoutMs: 3000 } };
const M = 60_000;
const H = 60 * M;

const junit = (failing: string[] = []) => `<?xml version="1.0"?>
<testsuite name="sample" tests="2">
  <testcase classname="sample.parser" name="parses_empty"/>
  <testcase classname="sample.net" name="reconnects">${failing.includes('reconnects') ? '<failure message="boom"/>' : ''}</testcase>
</testsuite>`;
const testStep: Step = { type: 'shell', name: 'test', command: ['sh', '-c', 'cp results.xml out.xml && ! grep -q "<failure" out.xml'], testResults: { format: 'junit', path: 'out.xml' } };

let ircd: TestIrcd;
let synapse: TestSynapse;
let smtp: TestSmtp;
let botMx: string;

beforeAll(async () => {
  [ircd, synapse, smtp] = await Promise.all([startIrcd(), startSynapse(), TestSmtp.start()]);
  await Promise.all(['bbbot', 'warner'].map((a) => ircd.registerAccount(a, a === 'bbbot' ? BOT_SASL : `${a}-password`)));
  botMx = (await synapse.registerUser('bb', BOT_MX_PASSWORD)).userId;
});
afterAll(async () => {
  await smtp?.close();
  await synapse?.stop();
  await ircd?.stop();
});

const mailsTo = (to: string) => smtp.messages.filter((m) => m.to.includes(to));
const newMail = (to: string, after: number): Promise<ReceivedMail> => waitFor(`mail ${after + 1} to ${to}`, () => mailsTo(to)[after] ?? null, 20_000);

describe('the hassler with real IRC, Matrix, SMTP and builds', () => {
  let fx: PipelineFixture;
  let warnerIrc: IrcHuman | undefined;
  afterEach(async () => {
    await warnerIrc?.quit().catch(() => undefined);
    await fx?.close();
  });

  it("warner's commit breaks a test: DMs on IRC and Matrix, email once he is away, a channel mention, ack pauses, the fix ends it and meejah hears both ends", async () => {
    const warnerMx = new MatrixHuman(synapse.url, await synapse.registerUser('warner', 'warner-password'));
    const repo = makeRepo();
    repo.commit('Zooko Wilcox <zooko@example.org>', { 'results.xml': junit() }, 'initial');
    fx = await PipelineFixture.create('hassle', testConfig({
      executors: [{ name: 'a', secret: SECRET_A }],
      repositories: [{ name: 'sample', url: repo.dir, branches: ['main'], pollInterval: 0.3 }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'checkout' }, testStep] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] }],
      chat: {
        irc: { host: '127.0.0.1', port: ircd.port, tls: false, nick: 'bb', sasl: { account: 'bbbot', password: { value: BOT_SASL } }, channels: ['#dev'] },
        matrix: { homeserverUrl: synapse.url, login: { user: 'bb', password: { value: BOT_MX_PASSWORD } }, invites: { users: [warnerMx.userId] } },
        announce: [{ target: 'irc:#dev', events: ['problem'] }],
      },
      users: {
        smtp: smtpSettings(smtp.port),
        // Declared in the config (users.people): the hassler finds warner by the IRC account and Matrix id given here.
        people: [
          { name: 'warner', emails: ['warner@example.org'], irc: { account: 'warner' }, matrix: warnerMx.userId },
          { name: 'zooko', emails: ['zooko@example.org'] },
          { name: 'meejah', emails: ['meejah@example.org'] },
        ],
      },
      // No confirming rerun here (the flaky case is its own test); the default ladder, quiet hours and ack pause.
      problems: { confirm: false, sheriff: ['zooko'], interested: { linux: ['meejah'] } },
    }));
    // The ladder's clock: 10:00 UTC on a Wednesday, moved on by the test.
    const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
    const master = await fx.startMaster({ chatTuning: fast, clock });
    await fx.startExecutor('a', SECRET_A);
    await master.users.settled();
    expect(await fx.store.users.byIdentity({ kind: 'irc', value: 'warner' })).toMatchObject({ name: 'warner', matrixId: warnerMx.userId });

    // warner is on IRC (logged in to services) in #dev, and on Matrix in a room with the bot; he says good morning in both.
    warnerIrc = await connectHuman({ host: ircd.host, port: ircd.port, nick: 'brian', sasl: { account: 'warner', password: 'warner-password' }, channels: ['#dev'] });
    await waitFor('the bot in #dev', async () => (await warnerIrc!.command('NAMES #dev', / 353 /)).includes('bb'), 20_000);
    warnerIrc.say('#dev', 'good morning');
    const room = await warnerMx.createRoom({ name: 'dev' });
    await warnerMx.invite(room, botMx);
    await waitFor('the bot in the Matrix room', async () => (await warnerMx.membership(room, botMx)) === 'join', 20_000);
    await warnerMx.setPresence('online');
    await warnerMx.say(room, 'good morning');

    await waitFor('the first poll', async () => (await fx.store.pollerTips('sample')).main === repo.head(), 20_000);
    repo.commit('Zooko Wilcox <zooko@example.org>', { README: 'hi\n' }, 'readme');
    await waitFor('a green build', async () => (await fx.builds('linux'))[0]?.result === 'SUCCESS', 30_000);
    const bad = repo.commit('Brian Warner <warner@example.org>', { 'results.xml': junit(['reconnects']) }, 'Make reconnects faster');
    const p1 = await waitFor('problem 1', async () => ((await fx.store.problems.get(1))?.state === 'confirmed' ? fx.store.problems.get(1) : null), 40_000);
    expect(p1).toMatchObject({ guilty: ['warner'], firstBadRevision: bad });

    // Level 1, at once: a DM where warner is active, on IRC and on Matrix, naming test, builder, revision and commit.
    const dmIrc = await warnerIrc.waitFor((m) => m.nick === 'bb' && m.target === 'brian' && /^Problem #1:/.test(m.text), 20_000);
    const named = new RegExp(`^Problem #1: sample\\.net\\.reconnects fails on linux since ${bad.slice(0, 12)} \\("Make reconnects faster" by Brian Warner\\)\\. .*Your change is among those blamed\\. When you are on it say "bb: ack 1"`);
    expect(dmIrc.text).toMatch(named);
    const invite = await warnerMx.nextInvite();
    await warnerMx.join(invite);
    const dmMx = await waitFor('the Matrix DM', async () => (await warnerMx.messages(invite, 20)).find((e) => e.sender === botMx && /^Problem #1:/.test(String(e.content.body))), 20_000);
    expect(String(dmMx.content.body)).toMatch(named);
    // A reminder is addressed to him: m.text with a mention, so his client notifies him (a notice would not).
    expect(dmMx.content).toMatchObject({ msgtype: 'm.text', 'm.mentions': { user_ids: [warnerMx.userId] } });
    // meejah (interested in linux, not on chat) is told by email that it started; warner got no email.
    expect((await newMail('meejah@example.org', 0)).subject).toBe('[bb] problem #1 opened: sample.net.reconnects fails on linux');
    expect(mailsTo('warner@example.org')).toHaveLength(0);
    // #dev is subscribed to problems.
    await warnerIrc.waitFor((m) => m.target === '#dev' && /problem #1 opened/.test(m.text), 20_000);

    // warner goes away on both; 31 minutes later level 2: a firmer reminder by email (not active on chat) and a mention in #dev.
    await warnerIrc.command('AWAY :lunch', / 306 /);
    await warnerMx.setPresence('unavailable');
    clock.advance(31 * M);
    await master.settled();
    const l2 = await newMail('warner@example.org', 0);
    expect(l2.subject).toBe('[bb] still broken after 31m: problem #1, sample.net.reconnects fails on linux (reminder 2)');
    expect(l2.text).toMatch(/^Problem #1 is still open after 31m: sample\.net\.reconnects fails on linux since [0-9a-f]{12} \("Make reconnects faster" by Brian Warner\)\. .*Please look at it now\./);
    expect(l2.text).toContain('You get this because not active on chat');
    const mention = await warnerIrc.waitFor((m) => m.target === '#dev' && /^brian: problem #1 is still open after 31m/.test(m.text), 20_000);
    expect(mention.nick).toBe('bb');

    // warner acks from IRC: level 3 (2 h) waits for the pause (4 h) to run out.
    const from = warnerIrc.seen.length;
    warnerIrc.say('#dev', 'bb: ack 1 reverting');
    expect((await warnerIrc.waitFor((m) => m.nick === 'bb' && /acknowledged/.test(m.text), 15_000, from)).text).toMatch(/^Problem 1 acknowledged by warner: reverting\. Reminders pause for 4h\.$/);
    clock.advance(90 * M); // 2h01m after the start
    await master.settled();
    expect(mailsTo('warner@example.org')).toHaveLength(1);
    expect(mailsTo('zooko@example.org')).toHaveLength(0);
    expect((await fx.store.hassle.log(1)).filter((e) => e.outcome === 'paused')).toEqual([expect.objectContaining({ step: 'L3', note: expect.stringMatching(/^acknowledged by warner \("reverting"\) until /) })]);
    clock.advance(3 * H); // the pause is over: level 3, urgent email to warner and to the sheriff
    await master.settled();
    expect((await newMail('warner@example.org', 1)).subject).toMatch(/^\[bb\] URGENT, open 5h 1m: problem #1/);
    expect((await newMail('zooko@example.org', 0)).text).toMatch(/You are the sheriff on duty\. Fix or revert it now\./);

    // The audit, asked in a DM to the bot.
    const before = warnerIrc.seen.length;
    warnerIrc.say('bb', 'problem 1');
    await waitFor('the audit', () => warnerIrc!.seen.slice(before).some((m) => m.nick === 'bb' && /^L3 .*zooko/.test(m.text)), 15_000);
    // The bot answers in order: the whole audit has come once a later command is answered.
    const mark = warnerIrc.seen.length;
    warnerIrc.say('bb', 'version');
    const version = await warnerIrc.waitFor((m) => m.nick === 'bb' && m.target === 'brian' && /^bb \d/.test(m.text), 15_000, mark);
    const lines = warnerIrc.seen.slice(before, warnerIrc.seen.indexOf(version)).filter((m) => m.nick === 'bb' && m.target === 'brian');
    const audit = lines.map((m) => m.text).join('\n');
    expect(audit).toMatch(/^reminders \(\d+\):$/m);
    expect(audit).toMatch(/^L1 .*: sent by irc to warner \(brian: spoke lately\)$/m);
    expect(audit).toMatch(/^L1 .*: sent by matrix to warner \(@warner:[^ ]+: (active now|active \d+s ago|spoke lately)\)$/m);
    expect(audit).toMatch(/^L3 .*: sent by email to zooko \(z\*\*\*@example\.org\)$/m);

    // The fix lands: resolved, meejah and warner told, and no reminder ever after.
    const fix = repo.commit('Brian Warner <warner@example.org>', { 'results.xml': junit() }, 'Revert reconnects change');
    await waitFor('problem 1 resolved', async () => (await fx.store.problems.get(1))?.state === 'resolved', 40_000);
    expect((await newMail('meejah@example.org', 1)).subject).toBe('[bb] fixed: problem #1, sample.net.reconnects on linux');
    expect((await newMail('warner@example.org', 2)).text).toMatch(new RegExp(`^Problem #1 is fixed after 5h 1m: sample\\.net\\.reconnects passes again on linux \\(fixed in ${fix.slice(0, 12)} by Brian Warner\\)\\. No more reminders about it\\.`));
    await waitFor('the ladder ended', async () => (await fx.store.hassle.get(1))?.ended === true);
    const counts = () => [mailsTo('warner@example.org').length, mailsTo('zooko@example.org').length, mailsTo('meejah@example.org').length];
    const settled = counts();
    clock.advance(30 * H);
    await master.settled();
    expect(await master.queues.timers.armed()).toEqual([]);
    expect(counts()).toEqual(settled);
    expect(warnerIrc.seen.filter((m: SeenMessage) => m.target === 'brian' && /^Problem #1:/.test(m.text))).toHaveLength(1);

    // forget me: warner's IRC account is declared in the config, so the config wins: it stays
    // linked (users-declared.test.ts covers forget me of an account that was only claimed).
    const at = warnerIrc.seen.length;
    warnerIrc.say('bb', 'forget me');
    expect((await warnerIrc.waitFor((m) => m.nick === 'bb' && /stays linked|Forgotten/.test(m.text), 15_000, at)).text).toBe(
      'This IRC account is bb user warner in the master config (users.people), so it stays linked: an operator changes it there, then bb reconfig.',
    );
    expect(await fx.store.users.get('warner')).toMatchObject({ ircAccount: 'warner', matrixId: warnerMx.userId, emails: ['warner@example.org'] });
  }, 240_000);
});

export type { Problem };
