import { readFile, stat } from 'node:fs/promises';
import type { TestCaseResult } from '../src/model/build.js';
import { parseJUnit } from './junit.js';
import { resolveFromInside } from './paths.js';
import { parseTestsOffThread } from './parse-off-thread.js';
import type { StepContext } from './step-context.js';

export interface TestSummary {
  total: number;
  failed: number;
}

/** Files at least this big are parsed in a worker thread (see parse-off-thread.ts). */
export const OFF_THREAD_BYTES = 512 * 1024;

/**
 * Read and parse a step's test results file (relative to the step's cwd, inside the work tree)
 * and report the cases. A missing or unreadable file is a warning in the step's log, not an error.
 * A big file is parsed in a worker thread so the executor's event loop keeps running.
 */
export async function collectTestResults(
  spec: { format: 'junit' | 'tap'; path: string },
  cwd: string,
  ctx: StepContext,
): Promise<TestSummary | undefined> {
  let file: string;
  let text: string | undefined;
  try {
    file = resolveFromInside(ctx.buildDir, cwd, spec.path, 'test results path');
    if ((await stat(file)).size < OFF_THREAD_BYTES) text = await readFile(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
    ctx.log('header', `warning: test results ${spec.path}: ${why}\n`);
    return undefined;
  }
  let tests: TestCaseResult[];
  try {
    if (text === undefined) tests = await parseTestsOffThread(spec.format, file, spec.path);
    // tap-parser (and the YAML parser it brings) loads with the first TAP file, not with every executor.
    else tests = spec.format === 'junit' ? parseJUnit(text) : (await import('./tap.js')).parseTap(text, spec.path);
  } catch (err) {
    ctx.log('header', `warning: test results ${spec.path} could not be read as ${spec.format}: ${(err as Error).message}\n`);
    return undefined;
  }
  const failed = tests.filter((t) => t.outcome === 'fail' || t.outcome === 'error').length;
  ctx.log('header', `test results ${spec.path}: ${tests.length} tests, ${failed} failed\n`);
  if (tests.length > 0) ctx.reportTests(tests);
  return { total: tests.length, failed };
}
