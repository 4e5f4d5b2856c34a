import type { Build, TestCaseResult } from '../model/build.js';
import { isFailing, isGood } from '../model/results.js';
import { subjectKey, type ProblemSubject } from '../model/problem.js';

export type Verdict = 'pass' | 'fail';

/** Pass/fail of every subject a build reports: its test cases, or its steps when it has none. */
export function verdicts(build: Build, tests: TestCaseResult[]): Map<string, { subject: ProblemSubject; verdict: Verdict }> {
  const out = new Map<string, { subject: ProblemSubject; verdict: Verdict }>();
  if (tests.length) {
    for (const t of tests) {
      if (t.outcome === 'skip') continue;
      const subject: ProblemSubject = { kind: 'test', suite: t.suite, name: t.name };
      out.set(subjectKey(subject), { subject, verdict: t.outcome === 'pass' ? 'pass' : 'fail' });
    }
    return out;
  }
  for (const s of build.steps) {
    if (s.state !== 'done' || !s.result) continue;
    const subject: ProblemSubject = { kind: 'step', suite: '', name: s.name };
    const verdict: Verdict | null = isGood(s.result) ? 'pass' : isFailing(s.result) ? 'fail' : null;
    if (verdict) out.set(subjectKey(subject), { subject, verdict });
  }
  return out;
}

/**
 * Subjects that passed in `before` and fail in `now`: test cases when both builds have test
 * results; steps when one of them has none, or when no test newly fails but a step does (a
 * check beside the tests broke).
 */
export function newFailures(before: Build, beforeTests: TestCaseResult[], now: Build, nowTests: TestCaseResult[]): ProblemSubject[] {
  if (beforeTests.length > 0 && nowTests.length > 0) {
    const byTests = transitions(verdicts(before, beforeTests), verdicts(now, nowTests));
    if (byTests.length) return byTests;
  }
  return transitions(verdicts(before, []), verdicts(now, []));
}

function transitions(a: ReturnType<typeof verdicts>, b: ReturnType<typeof verdicts>): ProblemSubject[] {
  const out: ProblemSubject[] = [];
  for (const [key, v] of b) if (v.verdict === 'fail' && a.get(key)?.verdict === 'pass') out.push(v.subject);
  return out;
}

