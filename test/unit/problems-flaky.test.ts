import { describe, expect, it } from 'vitest';
import { addRun, flakyField, flipRate, isFlaky, markFlaky, rerunsFor, type FlakyRecord, type FlakySettings } from '../../src/problems/flaky.js';
import type { ProblemSubject } from '../../src/model/problem.js';

const settings: FlakySettings = { clearAfter: 3, window: 5, historyReruns: 3 };
const source = { repository: '/r.git', project: 'p' };
const t = (name: string): ProblemSubject => ({ kind: 'test', suite: 's', name });
const run = (v: Record<string, 'pass' | 'fail'>) => new Map(Object.entries(v).map(([name, verdict]) => [`test|s|${name}`, { subject: t(name), verdict }]));

describe('flaky memory (pure parts)', () => {
  it('keeps records only of subjects that failed, with a window of runs and a pass streak', () => {
    const records = new Map<string, FlakyRecord>();
    addRun(records, source, run({ a: 'pass', b: 'pass' }), [], settings, 1);
    expect(records.size).toBe(0);
    addRun(records, source, run({ a: 'fail', b: 'pass' }), [], settings, 2);
    for (const v of ['pass', 'fail', 'pass', 'pass', 'pass'] as const) addRun(records, source, run({ a: v, b: 'pass' }), [], settings, 3);
    const a = records.get(flakyField(source, t('a')))!;
    expect(a).toMatchObject({ runs: 'pfppp', passStreak: 3, episodes: 0 });
    expect(flipRate(a)).toBe(0.5);
    expect(records.has(flakyField(source, t('b')))).toBe(false);
    // Another repository's runs are another record.
    expect(flakyField({ repository: '/fork.git', project: 'p' }, t('a'))).not.toBe(flakyField(source, t('a')));
  });

  it('is flaky once marked (a passing rerun, or the runner), until it passed clearAfter times in a row', () => {
    const records = new Map<string, FlakyRecord>();
    addRun(records, source, run({ a: 'fail' }), [], settings, 1);
    const field = flakyField(source, t('a'));
    records.set(field, markFlaky(records.get(field)!, 2));
    expect(isFlaky(records.get(field))).toBe(true);
    addRun(records, source, run({ a: 'pass' }), [], settings, 3);
    addRun(records, source, run({ a: 'pass' }), [], settings, 4);
    addRun(records, source, run({ a: 'fail' }), [], settings, 5);
    expect(isFlaky(records.get(field))).toBe(true);
    for (let i = 0; i < 3; i++) addRun(records, source, run({ a: 'pass' }), [], settings, 6 + i);
    expect(isFlaky(records.get(field))).toBe(false);
    expect(records.get(field)).toMatchObject({ episodes: 1, passStreak: 3 });
    // A test the runner reports as passed on its own rerun (Surefire flakyFailure) is marked at once.
    addRun(records, source, run({ c: 'pass' }), [t('c')], settings, 10);
    expect(isFlaky(records.get(flakyField(source, t('c'))))).toBe(true);
  });

  it('gives more confirming reruns to a subject with a flaky history', () => {
    expect(rerunsFor(undefined, settings)).toBe(1);
    expect(rerunsFor({ subject: t('a'), runs: 'f', passStreak: 0, episodes: 0 }, settings)).toBe(1);
    expect(rerunsFor({ subject: t('a'), runs: 'fpf', passStreak: 0, episodes: 0 }, settings)).toBe(3);
    expect(rerunsFor({ subject: t('a'), runs: 'f', passStreak: 0, episodes: 1 }, settings)).toBe(3);
  });
});
