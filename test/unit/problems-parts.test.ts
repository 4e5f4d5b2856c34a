import { describe, expect, it } from 'vitest';
import type { Build, TestCaseResult } from '../../src/model/build.js';
import { newFailures } from '../../src/problems/compare.js';
import { testedRevision as revisionOf } from '../../src/model/build.js';
import { isoWeek, sheriffOnDuty } from '../../src/problems/sheriff.js';
import { parseDuration } from '../../src/model/duration.js';

const build = (steps: Array<[string, Build['result']]>, props: Record<string, unknown> = {}): Build =>
  ({
    id: 1, builder: 'linux', number: 1, requestId: 1, buildsetId: 1, executor: 'a', token: 't', state: 'finished', dispatchedAt: 0,
    sourcestamp: { repository: 'r', project: '', changeIds: [], revision: 'abc' }, blamelist: [], properties: props,
    steps: steps.map(([name, result]) => ({ name, state: 'done' as const, ...(result ? { result } : {}) })),
  }) as Build;
const t = (name: string, outcome: TestCaseResult['outcome']): TestCaseResult => ({ suite: 's', name, outcome });

describe('problem detection parts', () => {
  it('finds tests that passed before and fail now, ignoring ones that failed already or are new', () => {
    const before = [t('a', 'pass'), t('b', 'fail'), t('c', 'pass')];
    const now = [t('a', 'fail'), t('b', 'fail'), t('c', 'pass'), t('d', 'error')];
    expect(newFailures(build([]), before, build([]), now)).toEqual([{ kind: 'test', suite: 's', name: 'a' }]);
  });

  it('falls back to steps when a build has no test results', () => {
    const before = build([['compile', 'SUCCESS'], ['test', 'SUCCESS']]);
    const now = build([['compile', 'FAILURE'], ['test', 'SKIPPED']]);
    expect(newFailures(before, [t('a', 'pass')], now, [])).toEqual([{ kind: 'step', suite: '', name: 'compile' }]);
  });

  it('uses steps when no test newly fails but a step does', () => {
    const before = build([['lint', 'SUCCESS'], ['test', 'SUCCESS']]);
    const now = build([['lint', 'FAILURE'], ['test', 'SUCCESS']]);
    expect(newFailures(before, [t('a', 'pass')], now, [t('a', 'pass')])).toEqual([{ kind: 'step', suite: '', name: 'lint' }]);
    // A test that newly fails is the subject, not the step it ran in.
    const failing = build([['lint', 'SUCCESS'], ['test', 'FAILURE']]);
    expect(newFailures(before, [t('a', 'pass')], failing, [t('a', 'fail')])).toEqual([{ kind: 'test', suite: 's', name: 'a' }]);
  });

  it('takes the checked-out revision over the requested one', () => {
    expect(revisionOf(build([], { got_revision: 'def' }))).toBe('def');
    expect(revisionOf(build([]))).toBe('abc');
  });

  it('rotates the sheriff by ISO week', () => {
    expect(isoWeek(Date.UTC(2026, 0, 1)).label).toBe('2026-W01');
    expect(isoWeek(Date.UTC(2021, 0, 3)).label).toBe('2020-W53');
    const a = sheriffOnDuty(['warner', 'zooko'], Date.UTC(2026, 10, 23));
    const b = sheriffOnDuty(['warner', 'zooko'], Date.UTC(2026, 10, 30));
    expect(new Set([a, b])).toEqual(new Set(['warner', 'zooko']));
    expect(sheriffOnDuty([], 0)).toBeNull();
  });

  it('reads snooze durations', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('soon')).toBeNull();
  });
});
