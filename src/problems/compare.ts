import { REVISION_NOT_FOUND, type Build, type TestCaseResult } from '../model/build.js';
import { isCounted, isFailing, isGood } from '../model/results.js';
import { subjectKey, type ProblemSubject } from '../model/problem.js';

export type Verdict = 'pass' | 'fail';

/** Pass/fail of every subject a build reports: its test cases, or its steps when it has none. */
export function verdicts(build: Build, tests: TestCaseResult[]): Map<string, { subject: ProblemSubject; verdict: Verdict }> {
  const out = new Map<string, { subject: ProblemSubject; verdict: Verdict }>();
  if (tests.length) {
    for (const t of tests) {
      if (t.outcome === 'skip') continue;
      const subject: ProblemSubject = { kind: 'test', suite: t.suite, name: t.name, ...(t.file ? { file: t.file } : {}) };
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
  // A step whose failing tests explain its failure is judged by those tests alone: when none of
  // them passed before (new tests added failing), that is no regression of the step either.
  const explained = new Set(now.steps.filter((s) => (s.tests?.failed ?? 0) > 0).map((s) => subjectKey({ kind: 'step', suite: '', name: s.name })));
  return transitions(verdicts(before, []), verdicts(now, [])).filter((s) => !explained.has(subjectKey(s)));
}

/**
 * Tests failing in `now` that the builder had not run in `before` (added failing, test-first):
 * not regressions (no Problem), but said once in the build's announcement. Empty when `before`
 * reported no tests at all (nothing to tell new tests from).
 */
export function newFailingTests(beforeTests: TestCaseResult[], nowTests: TestCaseResult[]): TestCaseResult[] {
  if (!beforeTests.length) return [];
  const seen = new Set(beforeTests.map((t) => `${t.suite}\u0000${t.name}`));
  return nowTests.filter((t) => (t.outcome === 'fail' || t.outcome === 'error') && !seen.has(`${t.suite}\u0000${t.name}`));
}

/**
 * Whether a build says anything about its branch's history: a counted result, not a try (patch),
 * not a hand-picked revision, not a revision that does not exist.
 */
export function speaksForHistory(b: Build): boolean {
  if (!isCounted(b.result) || b.sourcestamp.patch || b.sourcestamp.pinned) return false;
  return !(b.result === 'EXCEPTION' && b.steps.some((s) => s.text?.startsWith(REVISION_NOT_FOUND)));
}

/** Whether two builds come from the same repository and project. */
export function sameSource(a: Build, b: Build): boolean {
  return a.sourcestamp.repository === b.sourcestamp.repository && a.sourcestamp.project === b.sourcestamp.project;
}

function transitions(a: ReturnType<typeof verdicts>, b: ReturnType<typeof verdicts>): ProblemSubject[] {
  const out: ProblemSubject[] = [];
  for (const [key, v] of b) if (v.verdict === 'fail' && a.get(key)?.verdict === 'pass') out.push(v.subject);
  return out;
}

