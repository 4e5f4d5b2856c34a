import type { Build, TestCaseResult } from '../model/build.js';

/** How a build failed: the names of its failing steps and the identities of its failing tests. */
export interface FailureSignature {
  steps: string[];
  /** `suite\u0000name` of each failing test, sorted. */
  tests: string[];
}

export function isFailedTest(t: TestCaseResult): boolean {
  return t.outcome === 'fail' || t.outcome === 'error';
}

export function failedSteps(build: Build): string[] {
  return build.steps.filter((s) => s.result === 'FAILURE' || s.result === 'EXCEPTION').map((s) => s.name);
}

export function failureSignature(build: Build, tests: TestCaseResult[]): FailureSignature {
  return {
    steps: [...new Set(failedSteps(build))].sort(),
    tests: [...new Set(tests.filter(isFailedTest).map((t) => `${t.suite}\u0000${t.name}`))].sort(),
  };
}

/** Two builds failed in the same way: the same steps failed and the same tests failed. */
export function sameFailure(a: FailureSignature, b: FailureSignature): boolean {
  return equal(a.steps, b.steps) && equal(a.tests, b.tests);
}

function equal(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
