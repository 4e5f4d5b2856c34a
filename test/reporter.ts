import { renameSync, writeFileSync } from 'node:fs';
import type { TestModule } from 'vitest/node';
import type { Reporter, TestRunEndReason } from 'vitest/reporters';

/**
 * Counts test cases for the closing line of `npm test`: `N passed, N failed[, N skipped]`.
 *
 * Runs beside vitest's default reporter (see vitest.config.ts). When BB_TEST_SUMMARY names a
 * file (scripts/test.sh sets it), the counts are written there as JSON, after every finished test
 * file and once more at the end, and scripts/test.sh prints the line itself after vitest has exited,
 * so that nothing vitest prints later can come after it. Without BB_TEST_SUMMARY (a plain
 * `npx vitest run`), this reporter prints the line at the end of the run.
 *
 * What counts as failed, besides failed test cases: a test file that failed without any failed test
 * case (an import or syntax error, a failing beforeAll/afterAll), each unhandled error, and each test
 * still pending when the run ended early.
 */
export interface TestSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Test files that failed without a failed test case, and unhandled errors, by name. */
  otherFailures: string[];
  /** True once the whole run has ended; false while it is still going (or when it was killed). */
  final: boolean;
  reason?: TestRunEndReason;
}

export function countModules(modules: ReadonlyArray<TestModule>): Omit<TestSummary, 'final'> {
  const sum: Omit<TestSummary, 'final'> = { passed: 0, failed: 0, skipped: 0, otherFailures: [] };
  for (const mod of modules) {
    let failedHere = 0;
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') sum.passed++;
      else if (state === 'skipped') sum.skipped++;
      else {
        // 'failed', or 'pending' in a run that ended before the test finished.
        sum.failed++;
        failedHere++;
      }
    }
    const moduleFailed = mod.state() === 'failed' || mod.errors().length > 0;
    if (moduleFailed && failedHere === 0) {
      sum.failed++;
      sum.otherFailures.push(`test file ${mod.relativeModuleId}`);
    }
  }
  return sum;
}

export function totalsLine(s: Pick<TestSummary, 'passed' | 'failed' | 'skipped'>): string {
  return s.skipped > 0
    ? `${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`
    : `${s.passed} passed, ${s.failed} failed`;
}

export default class TotalsReporter implements Reporter {
  private readonly file = process.env.BB_TEST_SUMMARY;
  private readonly done: TestModule[] = [];

  onTestModuleEnd(mod: TestModule): void {
    this.done.push(mod);
    this.write({ ...countModules(this.done), final: false });
  }

  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<{ name?: string; message?: string }>,
    reason: TestRunEndReason,
  ): void {
    const sum = countModules(modules);
    for (const err of unhandledErrors) {
      sum.failed++;
      sum.otherFailures.push(`unhandled error ${err.name ?? 'Error'}: ${err.message ?? ''}`.trim());
    }
    const summary: TestSummary = { ...sum, final: true, reason };
    if (this.file) this.write(summary);
    else {
      for (const what of summary.otherFailures) process.stdout.write(`failed: ${what}\n`);
      process.stdout.write(`${totalsLine(summary)}\n`);
    }
  }

  private write(summary: TestSummary): void {
    if (!this.file) return;
    // Write then rename, so that a reader never sees half a file (the run may be killed any time).
    writeFileSync(`${this.file}.part`, JSON.stringify(summary));
    renameSync(`${this.file}.part`, this.file);
  }
}
