import { describe, expect, it } from 'vitest';
import { classifyFinished, transition, type Outcome } from '../../src/notify/classify.js';
import { failureSignature, sameFailure } from '../../src/notify/failure.js';
import type { Build, TestCaseResult } from '../../src/model/build.js';
import type { Result } from '../../src/model/results.js';

const sig = (steps: string[], tests: string[] = []) => ({ steps, tests });
const ok = (result: Result): Outcome => ({ result });
const bad = (result: Result, steps: string[], tests: string[] = []): Outcome => ({ result, signature: sig(steps, tests) });

describe('failure signature', () => {
  const build = (steps: Array<[string, Result]>): Build =>
    ({ steps: steps.map(([name, result]) => ({ name, state: 'done', result })) }) as unknown as Build;
  const t = (name: string, outcome: TestCaseResult['outcome'], suite = 's'): TestCaseResult => ({ suite, name, outcome });

  it('takes failing steps and failing (or erroring) tests, order-free', () => {
    const a = failureSignature(build([['compile', 'SUCCESS'], ['test', 'FAILURE'], ['lint', 'EXCEPTION']]), [t('b', 'fail'), t('a', 'error'), t('c', 'pass'), t('d', 'skip')]);
    expect(a).toEqual({ steps: ['lint', 'test'], tests: ['s\u0000a', 's\u0000b'] });
    const b = failureSignature(build([['lint', 'EXCEPTION'], ['test', 'FAILURE']]), [t('a', 'fail'), t('b', 'fail')]);
    expect(sameFailure(a, b)).toBe(true);
  });

  it('a new failing test, another step, or the same name in another suite is a different failure', () => {
    const base = failureSignature(build([['test', 'FAILURE']]), [t('a', 'fail')]);
    expect(sameFailure(base, failureSignature(build([['test', 'FAILURE']]), [t('a', 'fail'), t('b', 'fail')]))).toBe(false);
    expect(sameFailure(base, failureSignature(build([['compile', 'FAILURE']]), [t('a', 'fail')]))).toBe(false);
    expect(sameFailure(base, failureSignature(build([['test', 'FAILURE']]), [t('a', 'fail', 'other')]))).toBe(false);
  });
});

describe('classifying a finished build against the previous one', () => {
  it('the first build: its result class and finished, nothing relative', () => {
    expect(classifyFinished(ok('SUCCESS'), null)).toEqual({ classes: ['finished', 'success'], transition: 'first' });
    expect(classifyFinished(bad('FAILURE', ['test']), null)).toEqual({ classes: ['finished', 'failure'], transition: 'first' });
  });

  it('breaking: failure and worse', () => {
    expect(classifyFinished(bad('FAILURE', ['test']), ok('SUCCESS'))).toEqual({ classes: ['finished', 'failure', 'worse'], transition: 'broke' });
    expect(classifyFinished(ok('WARNINGS'), ok('SUCCESS')).classes).toEqual(['finished', 'warnings', 'worse']);
  });

  it('the same failure again is not a failure event, but still finished', () => {
    const r = classifyFinished(bad('FAILURE', ['test'], ['s\u0000a']), bad('FAILURE', ['test'], ['s\u0000a']));
    expect(r).toEqual({ classes: ['finished'], transition: 'still failing' });
    const exc = classifyFinished(bad('EXCEPTION', ['checkout']), bad('EXCEPTION', ['checkout']));
    expect(exc.classes).toEqual(['finished']);
  });

  it('a failure that changes is announced', () => {
    const r = classifyFinished(bad('FAILURE', ['test'], ['s\u0000a', 's\u0000b']), bad('FAILURE', ['test'], ['s\u0000a']));
    expect(r).toEqual({ classes: ['finished', 'failure'], transition: 'failing differently' });
    // Fewer failing tests is a change too.
    expect(transition(bad('FAILURE', ['test'], []), bad('FAILURE', ['test'], ['s\u0000a']))).toBe('failing differently');
    // FAILURE after EXCEPTION: less severe, a different failure.
    expect(classifyFinished(bad('FAILURE', ['test']), bad('EXCEPTION', ['test'])).classes).toEqual(['finished', 'failure', 'better']);
  });

  it('fixing: recovery and better', () => {
    expect(classifyFinished(ok('SUCCESS'), bad('FAILURE', ['test']))).toEqual({ classes: ['finished', 'success', 'recovery', 'better'], transition: 'fixed' });
    expect(classifyFinished(ok('WARNINGS'), bad('EXCEPTION', ['x'])).classes).toEqual(['finished', 'warnings', 'recovery', 'better']);
    expect(classifyFinished(ok('SUCCESS'), ok('WARNINGS')).classes).toEqual(['finished', 'success', 'better']);
  });

  it('staying green is only success', () => {
    expect(classifyFinished(ok('SUCCESS'), ok('SUCCESS'))).toEqual({ classes: ['finished', 'success'], transition: 'still good' });
  });

  it('RETRY, CANCELLED and SKIPPED are only finished, never a failure', () => {
    for (const r of ['RETRY', 'CANCELLED', 'SKIPPED'] as const) {
      expect(classifyFinished(ok(r), ok('SUCCESS'))).toEqual({ classes: ['finished'], transition: 'uncounted' });
      expect(classifyFinished(ok(r), bad('FAILURE', ['x']))).toEqual({ classes: ['finished'], transition: 'uncounted' });
    }
  });
});
