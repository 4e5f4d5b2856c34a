import { describe, expect, it } from 'vitest';
import { masterConfigSchema } from '../../src/config/schema.js';
import { dueAt, inQuietHours, ladderFor, quietUntil, stepAt, toneOf } from '../../src/problems/ladder.js';
import { ircActive, matrixActive } from '../../src/notify/reach.js';
import { mention, reminder } from '../../src/problems/hassle-text.js';
import type { Problem } from '../../src/model/problem.js';

const base = { executors: [{ name: 'a', secret: 'x'.repeat(24) }], builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'true' }] }] };
const hassleOf = (hassle: unknown) => masterConfigSchema.parse({ ...base, problems: { hassle } }).problems.hassle;
const H = 3_600_000;
const M = 60_000;

describe('hassle config', () => {
  it('ships the default ladder: DM the guilty, then firmer with a channel mention, then email, then every 8h', () => {
    const h = hassleOf({});
    expect(h.ladder.map((l) => [l.after, l.to, l.via, l.tone])).toEqual([
      [0, ['guilty'], ['dm'], 'gentle'],
      [30 * M, ['guilty'], ['dm', 'channel'], 'firm'],
      [2 * H, ['guilty', 'sheriff'], ['email'], 'urgent'],
      [10 * H, ['responsible'], ['email'], 'urgent'],
    ]);
    expect(h.repeatEvery).toBe(8 * H);
    expect(h.ackPause).toBe(4 * H);
    expect(h.quietHours).toEqual({ from: '22:00', to: '08:00' });
  });

  it('names the path of a bad level, an out-of-order ladder and a bad time zone', () => {
    const issues = (hassle: unknown) => masterConfigSchema.safeParse({ ...base, problems: { hassle } }).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ ladder: [{ after: 'soon', to: ['guilty'], via: ['dm'] }] })).toEqual([expect.stringMatching(/^problems\.hassle\.ladder\.0\.after: .*a duration such as/)]);
    expect(issues({ ladder: [{ after: '1h', to: ['guilty'], via: ['pigeon'] }] })[0]).toMatch(/^problems\.hassle\.ladder\.0\.via\.0: /);
    expect(issues({ ladder: [{ after: '1h', to: ['guilty'], via: ['dm'] }, { after: '5m', to: ['guilty'], via: ['dm'] }] })).toEqual([
      "problems.hassle.ladder.1.after: level 1 comes before level 0: give the levels in order of 'after'",
    ]);
    expect(issues({ timeZone: 'Mars/Olympus' })).toEqual(['problems.hassle.timeZone: "Mars/Olympus" is not an IANA time zone, e.g. Europe/Berlin']);
  });

  it('picks a builder ladder, then a project ladder, then the default', () => {
    const one = [{ after: '0s', to: ['sheriff'], via: ['email'] }];
    const h = hassleOf({ builders: { mac: one }, projects: { web: [{ after: '1h', to: ['owners'], via: ['dm'] }] } });
    expect(ladderFor(h, ['linux', 'mac'])[0]!.to).toEqual(['sheriff']);
    expect(ladderFor(h, ['linux'], 'web')[0]!.to).toEqual(['owners']);
    expect(ladderFor(h, ['linux'], 'other')).toBe(h.ladder);
  });
});

describe('the ladder', () => {
  const h = hassleOf({ maxRepeats: 2 });
  const levels = h.ladder;

  it('steps through the levels, then repeats the last one up to the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => stepAt(levels, i, h)?.key ?? null)).toEqual(['L1', 'L2', 'L3', 'L4', 'R1', 'R2', null]);
    expect(stepAt(levels, 5, h)).toMatchObject({ levelIndex: 3, repeat: 2, tone: 'urgent' });
    expect(stepAt(levels, 4, { ...h, repeatEvery: 0 })).toBeNull();
  });

  it('tones rise when not configured: gentle, firm…, urgent', () => {
    const plain = hassleOf({ ladder: ['0s', '1h', '2h', '3h'].map((after) => ({ after, to: ['guilty'], via: ['dm'] })) }).ladder;
    expect(plain.map((_, i) => toneOf(plain, i))).toEqual(['gentle', 'firm', 'firm', 'urgent']);
  });

  it('is due at its offset from the start, but a pause keeps the gaps between levels', () => {
    const t0 = Date.UTC(2026, 11, 2, 10);
    expect(dueAt(levels, stepAt(levels, 0, h)!, t0, undefined, h.repeatEvery)).toBe(t0);
    expect(dueAt(levels, stepAt(levels, 1, h)!, t0, t0, h.repeatEvery)).toBe(t0 + 30 * M);
    // Level 2 ran late (an ack paused it until 5h): level 3 comes 1.5h after it, not at once.
    expect(dueAt(levels, stepAt(levels, 2, h)!, t0, t0 + 5 * H, h.repeatEvery)).toBe(t0 + 5 * H + 90 * M);
    expect(dueAt(levels, stepAt(levels, 4, h)!, t0, t0 + 10 * H, h.repeatEvery)).toBe(t0 + 18 * H);
  });
});

describe('quiet hours', () => {
  it('spans midnight', () => {
    const q = { from: '22:00', to: '08:00' };
    expect([21 * 60 + 59, 22 * 60, 0, 7 * 60 + 59, 8 * 60].map((m) => inQuietHours(m, q))).toEqual([false, true, true, true, false]);
    expect(inQuietHours(12 * 60, { from: '12:00', to: '14:00' })).toBe(true);
  });

  it('end at the next local morning, in the person’s own time zone', () => {
    const q = { from: '22:00', to: '08:00' };
    // 23:30 in Berlin (CET, UTC+1) on 2 December: quiet until 08:00 Berlin = 07:00 UTC on the 3rd.
    expect(quietUntil(Date.UTC(2026, 11, 2, 22, 30), 'Europe/Berlin', q)).toBe(Date.UTC(2026, 11, 3, 7, 0));
    // The same moment is 17:30 in New York: not quiet.
    expect(quietUntil(Date.UTC(2026, 11, 2, 22, 30), 'America/New_York', q)).toBeNull();
    // 03:15 UTC is 22:15 the day before in New York (EST): until 08:00 EST = 13:00 UTC.
    expect(quietUntil(Date.UTC(2026, 11, 3, 3, 15, 20), 'America/New_York', q)).toBe(Date.UTC(2026, 11, 3, 13, 0));
    expect(quietUntil(Date.UTC(2026, 11, 3, 3, 15), 'UTC', false)).toBeNull();
  });

  it('end at local 08:00 across a daylight-saving change in the night', () => {
    const q = { from: '22:00', to: '08:00' };
    // Berlin leaves summer time in the night of 24/25 October 2026: 23:00 CEST (21:00 UTC) → 08:00 CET = 07:00 UTC.
    expect(quietUntil(Date.UTC(2026, 9, 24, 21, 0), 'Europe/Berlin', q)).toBe(Date.UTC(2026, 9, 25, 7, 0));
    // And enters it in the night of 28/29 March 2026: 23:00 CET (22:00 UTC) → 08:00 CEST = 06:00 UTC.
    expect(quietUntil(Date.UTC(2026, 2, 28, 22, 0), 'Europe/Berlin', q)).toBe(Date.UTC(2026, 2, 29, 6, 0));
  });
});

describe('where a person is', () => {
  const min15 = 15 * M;
  it('IRC: on, logged in to their account, not away, and spoke lately or idle under the threshold', () => {
    const on = { online: true, away: false, idleSeconds: 30, account: 'warner' };
    expect(ircActive(on, false, { ircAccount: 'warner' }, min15)).toBe('idle 30s');
    expect(ircActive({ ...on, idleSeconds: 3600 }, false, { ircAccount: 'warner' }, min15)).toBeNull();
    expect(ircActive({ ...on, idleSeconds: 3600 }, true, { ircAccount: 'warner' }, min15)).toBe('spoke lately');
    expect(ircActive({ ...on, away: true }, true, { ircAccount: 'warner' }, min15)).toBeNull();
    expect(ircActive({ ...on, account: 'mallory' }, true, { ircAccount: 'warner' }, min15)).toBeNull();
    expect(ircActive({ online: false, away: false, idleSeconds: null, account: null }, true, {}, min15)).toBeNull();
    expect(ircActive(null, true, { ircAccount: 'warner' }, min15)).toBe('spoke lately');
    expect(ircActive(null, false, { ircAccount: 'warner' }, min15)).toBeNull();
  });

  it('Matrix: online and active lately; unknown presence counts only when they spoke lately', () => {
    expect(matrixActive({ online: true, away: false, idleSeconds: 0, account: '@w:x' }, false, min15)).toBe('active now');
    expect(matrixActive({ online: true, away: false, idleSeconds: 3600, account: '@w:x' }, false, min15)).toBeNull();
    expect(matrixActive({ online: true, away: true, idleSeconds: 0, account: '@w:x' }, true, min15)).toBeNull();
    expect(matrixActive({ online: false, away: false, idleSeconds: 10, account: '@w:x' }, true, min15)).toBeNull();
    expect(matrixActive(null, true, min15)).toBe('spoke lately');
    expect(matrixActive(null, false, min15)).toBeNull();
  });
});

describe('reminder wording', () => {
  const p: Problem = {
    id: 7, key: 'k', state: 'confirmed', subjects: [{ kind: 'test', suite: 'sample.net', name: 'reconnects' }],
    builders: [{ builder: 'linux', firstBadBuildId: 3, firstBadNumber: 3 }], firstBadRevision: 'abcdef0123456789', lastGoodRevision: '0123456789abcdef',
    openedAt: 0, confirmedAt: 0, guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
  };
  const culprit = { revision: 'abcdef0123456789', subject: 'break\x02 it', author: 'Brian Warner' };
  it('rises from a nudge to urgent, naming test, builder, revision and commit', () => {
    const gentle = reminder(p, { botName: 'bb', tone: 'gentle', role: 'guilty', count: 0, openFor: 0, culprit });
    expect(gentle.text).toBe('Problem #7: sample.net.reconnects fails on linux since abcdef012345 ("break it" by Brian Warner). It passed before (0123456789ab). Your change is among those blamed. When you are on it say "bb: ack 7"; if it is not yours, "bb: not me 7".');
    expect(gentle.subject).toBe('[bb] problem #7: sample.net.reconnects fails on linux');
    const urgent = reminder(p, { botName: 'bb', tone: 'urgent', role: 'sheriff', count: 2, openFor: 2 * H, culprit });
    expect(urgent.text).toMatch(/^URGENT: problem #7 has been open for 2h: .* You are the sheriff on duty\. Fix or revert it now\. Say "bb: ack 7" when someone is on it\.$/);
    expect(urgent.subject).toBe('[bb] URGENT, open 2h: problem #7, sample.net.reconnects fails on linux (reminder 3)');
    expect(mention(p, ['warner'], { botName: 'bb', tone: 'firm', openFor: 30 * M, culprit })).toBe('warner: problem #7 is still open after 30m: sample.net.reconnects fails on linux since abcdef012345 ("break it" by Brian Warner). Say "bb: ack 7" when you are on it.');
  });
});
