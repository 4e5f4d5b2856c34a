import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { smtpSettings, TestSmtp } from '../harness/smtp.js';
import type { Problem } from '../../src/model/problem.js';
import { StoredProblems } from '../../src/problems/actions.js';
import { waitFor } from '../harness/bb.js';
import { ManualClock } from '../../src/util/clock.js';
import { testConfig, type TestConfig } from '../harness/config.js';

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await TestSmtp.start();
});
afterAll(async () => smtp?.close());

/** A master with one builder, SMTP at `port` (default: the shared test server) and these `problems`. */
const rulesConfig = (problems: TestConfig['problems'], port = smtp.port, more: Partial<TestConfig> = {}) =>
  testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'test', command: 'true' }] }],
    users: { smtp: smtpSettings(port, 'bb@example.org') },
    problems,
    ...more,
  });

const pauseLadder = { ladder: [{ after: '0s', to: ['guilty'], via: ['email'] }, { after: '12h', to: ['guilty'], via: ['email'] }] } satisfies NonNullable<TestConfig['problems']>['hassle'];

describe('hassle rules with a real master, Redis and SMTP', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it("quiet hours hold a reminder until the person's morning, an overriding level goes at once, repeats stop at the cap, and a daily cap per person", async () => {
    fx = await PipelineFixture.create('hassle-rules', rulesConfig({
    hassle: {
      ladder: [
        { after: '0s', to: ['guilty'], via: ['email'] },
        { after: '1h', to: ['guilty'], via: ['email'], overridesQuietHours: true },
      ],
      repeatEvery: '2h',
      maxRepeats: 1,
      maxPerPersonPerDay: 3,
    },
    sheriff: ['zooko'],
  }));
    const at = (iso: string) => Date.parse(iso);
    const clock = new ManualClock(at('2026-12-02T21:30:00Z'));
    const master = await fx.startMaster({ clock });
    const tag = fx.prefix;
    const warner = `warner-${tag}@example.org`;
    const zooko = `zooko-${tag}@example.org`;
    // warner lives in Berlin and keeps 22:00-07:00; zooko has the config's default, 22:00-08:00 UTC.
    await fx.store.users.put({ name: 'warner', emails: [warner], authors: [], timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' }, createdAt: 0 });
    await fx.store.users.put({ name: 'zooko', emails: [zooko], authors: [], createdAt: 0 });
    const mails = (to: string) => smtp.messages.filter((m) => m.to.includes(to)).map((m) => m.subject.replace(/^\[bb\] /, ''));
    const problem = (id: number, guilty: string[]): Omit<Problem, 'id'> => ({
      key: `step||test@rev${id}`, state: 'confirmed', subjects: [{ kind: 'step', suite: '', name: 'test' }],
      builders: [{ builder: 'linux', firstBadBuildId: id, firstBadNumber: id }], firstBadRevision: `rev${id}`,
      openedAt: clock.now(), confirmedAt: clock.now(), guilty, responsible: guilty, interested: [], notMe: [], acks: [], watchers: [],
    });

    // 21:30 UTC is 22:30 in Berlin: warner's first reminder waits; zooko's goes.
    const p1 = await fx.store.problems.create(problem(1, ['warner', 'zooko']), 'problem.opened');
    await master.hassler.idle();
    expect(mails(zooko)).toEqual(['problem #1: step test fails on linux']);
    expect(mails(warner)).toEqual([]);
    expect((await fx.store.hassle.log(p1.id)).find((e) => e.to === 'warner')).toMatchObject({ step: 'L1', outcome: 'held', note: 'quiet hours until 2026-12-03T06:00:00.000Z' });

    // Level 2 overrides quiet hours: it reaches both at once, and warner's held level 1 is dropped.
    clock.set(at('2026-12-02T22:31:00Z'));
    await master.settled();
    expect(mails(warner)).toEqual(['URGENT, open 1h 1m: problem #1, step test fails on linux']);
    expect(mails(zooko)).toHaveLength(2);
    // One repeat (the cap), two hours after level 2; then nothing.
    clock.set(at('2026-12-03T00:32:00Z'));
    await master.settled();
    expect(mails(warner)).toEqual(['URGENT, open 1h 1m: problem #1, step test fails on linux', 'URGENT, open 3h 2m: problem #1, step test fails on linux (reminder 2)']);
    clock.set(at('2026-12-03T06:30:00Z'));
    await master.settled();
    expect(mails(warner)).toHaveLength(2);
    expect((await fx.store.hassle.log(p1.id)).filter((e) => e.to === 'warner').map((e) => `${e.step} ${e.outcome}`)).toEqual(['L1 held', 'L2 sent', 'L1 superseded', 'R1 sent']);

    // zooko has had 3 reminders today: a new Problem's first one is capped.
    clock.set(at('2026-12-03T09:00:00Z'));
    const p2 = await fx.store.problems.create(problem(2, ['zooko']), 'problem.opened');
    await master.hassler.idle();
    expect(mails(zooko)).toHaveLength(3);
    expect(await fx.store.hassle.log(p2.id)).toEqual([expect.objectContaining({ step: 'L1', to: 'zooko', outcome: 'capped', note: '3 reminders in 24h already' })]);

    // A reminder held overnight goes out when warner's morning comes, not before.
    clock.set(at('2026-12-04T05:30:00Z')); // 06:30 in Berlin
    const p3 = await fx.store.problems.create(problem(3, ['warner']), 'problem.opened');
    await master.hassler.idle();
    clock.set(at('2026-12-04T05:59:00Z'));
    await master.settled();
    expect(mails(warner)).toHaveLength(2);
    clock.set(at('2026-12-04T06:00:30Z'));
    await master.settled();
    expect(mails(warner)[2]).toBe('problem #3: step test fails on linux');
    expect((await fx.store.hassle.log(p3.id)).map((e) => `${e.step} ${e.outcome}`)).toEqual(['L1 held', 'L1 sent']);

    // warner says "not me": the sheriff hears it, and warner is off the ladder.
    const problems = new StoredProblems(fx.store, master.config, () => clock.now());
    await problems.notMe(p3.id, 'warner', 'I only touched the docs');
    await master.hassler.idle();
    const told = await waitFor('the sheriff told', () => smtp.messages.find((m) => m.to.includes(zooko) && /not theirs/.test(m.subject)));
    expect(told.text).toMatch(/^warner says problem #3 \(step test fails on linux\) is not theirs: "I only touched the docs"\. Nobody is blamed now\. As sheriff, please see who broke it: "bb: problem 3"\./);
    clock.set(at('2026-12-04T07:01:00Z'));
    await master.settled();
    expect(mails(warner)).toHaveLength(3);
  }, 60_000);

  it('a reminder whose mail fails (the SMTP server is down) is tried again later and arrives once', async () => {
    const probe = await TestSmtp.start();
    const port = probe.port;
    await probe.close();
    fx = await PipelineFixture.create('hassle-retry', rulesConfig({ hassle: { quietHours: false, ladder: [{ after: '0s', to: ['guilty'], via: ['email'] }], repeatEvery: '0s' } }, port));
    const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
    const master = await fx.startMaster({ clock });
    await fx.store.users.put({ name: 'warner', emails: ['warner-retry@example.org'], authors: [], createdAt: 0 });
    const p1 = await fx.store.problems.create({
      key: 'step||test@r1', state: 'confirmed', subjects: [{ kind: 'step', suite: '', name: 'test' }], builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }],
      firstBadRevision: 'r1', openedAt: clock.now(), confirmedAt: clock.now(), guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    }, 'problem.opened');
    await master.hassler.idle();
    expect((await fx.store.hassle.log(p1.id)).map((e) => `${e.step} ${e.via} ${e.outcome}`)).toEqual(['L1 email failed']);

    const up = await TestSmtp.start(port);
    try {
      clock.advance(4 * 60_000);
      await master.settled();
      expect(up.messages).toHaveLength(0);
      clock.advance(2 * 60_000);
      await master.settled();
      expect(up.messages.map((m) => m.to)).toEqual([['warner-retry@example.org']]);
      clock.advance(60 * 60_000);
      await master.settled();
      expect(up.messages).toHaveLength(1);
      expect((await fx.store.hassle.log(p1.id)).map((e) => `${e.step} ${e.via} ${e.outcome}`)).toEqual(['L1 email failed', 'L1 email sent']);
    } finally {
      // The master's pooled SMTP connection first: the server waits up to 30 s for open ones.
      await master.stop();
      await up.close();
    }
  }, 60_000);

  it('a confirming rerun that never runs (no executor) confirms the Problem after confirmWithin, and then the ladder starts', async () => {
    fx = await PipelineFixture.create('hassle-norerun', rulesConfig({ confirmWithin: '1h', hassle: { quietHours: false } }));
    const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
    const master = await fx.startMaster({ clock });
    const email = `warner-norerun-${fx.prefix}@example.org`;
    await fx.store.users.put({ name: 'warner', emails: [email], authors: [], createdAt: 0 });
    // No executor is connected: the rerun's request waits.
    const { buildset } = await fx.store.createBuildSet({ reason: 'confirm problem 1', scheduler: 'problems', sourcestamp: { branch: 'main', revision: 'r1', changeIds: [], repository: '', project: '' }, builders: ['linux'], properties: { confirm_problem: 1 }, priority: 100, collapse: false });
    await fx.store.problems.create({
      key: 'step||test@r1', state: 'suspected', confirmBuildsetId: buildset.id, subjects: [{ kind: 'step', suite: '', name: 'test' }], builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }],
      firstBadRevision: 'r1', openedAt: clock.now(), guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    });
    await master.problems.sweepSoon();
    expect((await fx.store.problems.get(1))?.state).toBe('suspected');
    clock.advance(61 * 60_000);
    await master.problems.sweepSoon();
    expect(await fx.store.problems.get(1)).toMatchObject({ state: 'confirmed', confirmedAt: clock.now() });
    await master.hassler.idle();
    const mail = await waitFor('the first reminder', () => smtp.messages.find((m) => m.to.includes(email)));
    expect(mail.subject).toBe('[bb] problem #1: step test fails on linux');
  }, 60_000);

  it('a snooze also holds a reminder waiting for the morning; hassle.enabled: false stops a running ladder after a restart', async () => {
    fx = await PipelineFixture.create('hassle-pause', rulesConfig({ hassle: pauseLadder }));
    const clock = new ManualClock(Date.parse('2026-12-02T23:00:00Z')); // quiet (22:00-08:00 UTC, the default)
    const master = await fx.startMaster({ clock });
    const email = `warner-pause-${fx.prefix}@example.org`;
    await fx.store.users.put({ name: 'warner', emails: [email], authors: [], createdAt: 0 });
    const p1 = await fx.store.problems.create({
      key: 'step||test@r1', state: 'confirmed', subjects: [{ kind: 'step', suite: '', name: 'test' }], builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }],
      firstBadRevision: 'r1', openedAt: clock.now(), confirmedAt: clock.now(), guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    }, 'problem.opened');
    await master.hassler.idle();
    const mails = () => smtp.messages.filter((m) => m.to.includes(email));
    expect((await fx.store.hassle.log(p1.id)).map((e) => `${e.step} ${e.outcome}`)).toEqual(['L1 held']);
    // Snoozed until 09:00: the morning (08:00) passes without the held reminder.
    await new StoredProblems(fx.store, master.config, () => clock.now()).snooze(p1.id, 'zooko', 10 * 60 * 60_000);
    clock.set(Date.parse('2026-12-03T08:30:00Z'));
    await master.settled();
    expect(mails()).toHaveLength(0);
    clock.set(Date.parse('2026-12-03T09:01:00Z'));
    await master.settled();
    expect(mails()).toHaveLength(1);

    // The hassler switched off in the config: the running ladder's next level (12 h) never comes.
    await master.stop();
    fx.writeConfig(rulesConfig({ hassle: { ...pauseLadder, enabled: false } }));
    const again = await fx.startMaster({ clock });
    clock.set(Date.parse('2026-12-03T12:00:00Z'));
    await again.hassler.rearm();
    expect(mails()).toHaveLength(1);
    expect((await fx.store.hassle.log(p1.id)).filter((e) => e.outcome === 'sent')).toHaveLength(1);
  }, 60_000);

  it('a Problem with nobody blamed goes to the sheriff and the builder owners, never to nobody', async () => {
    fx = await PipelineFixture.create('hassle-nobody', rulesConfig({
    hassle: { ladder: [{ after: '0s', to: ['guilty'], via: ['email'] }], quietHours: false },
    sheriff: ['zooko'],
  }, smtp.port, { tiers: { owners: { linux: ['meejah'] } } }));
    const master = await fx.startMaster();
    const tag = fx.prefix;
    await fx.store.users.put({ name: 'zooko', emails: [`zooko-${tag}@example.org`], authors: [], createdAt: 0 });
    await fx.store.users.put({ name: 'meejah', emails: [`meejah-${tag}@example.org`], authors: [], createdAt: 0 });
    const p = await fx.store.problems.create({
      key: 'step||test@nobody', state: 'confirmed', subjects: [{ kind: 'step', suite: '', name: 'test' }],
      builders: [{ builder: 'linux', firstBadBuildId: 1, firstBadNumber: 1 }], firstBadRevision: 'nobody1',
      openedAt: Date.now(), confirmedAt: Date.now(), guilty: [], responsible: [], interested: [], notMe: [], acks: [], watchers: [],
    }, 'problem.opened');
    await master.hassler.idle();
    await waitFor('both reminded', async () => (smtp.messages.filter((m) => m.to.includes(`zooko-${tag}@example.org`) || m.to.includes(`meejah-${tag}@example.org`)).length >= 2 ? true : null));
    expect((await fx.store.hassle.log(p.id)).filter((e) => e.outcome === 'sent').map((e) => e.to).sort()).toEqual(['meejah', 'zooko']);
  });
});
