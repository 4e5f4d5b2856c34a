import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import type { ShellStepSpec } from '../src/model/steps.js';
import { interpolate, interpolateRecord, propertyText, shellQuote } from './interpolate.js';
import { resolveInside } from './paths.js';
import { runProcessGroup } from './proc.js';
import { collectTestResults } from './test-results.js';
import { DEFAULT_TIMEOUT_SEC, type StepContext, type StepOutcome } from './step-context.js';

/**
 * A shell step: a string runs through `/bin/sh -c`, an array runs directly. Properties are filled
 * into the command, workdir and env values first; the cwd must stay inside the work tree (it is
 * created if missing). Exit 0 is SUCCESS; anything else, a timeout, or failed tests is FAILURE.
 */
export async function runShell(step: ShellStepSpec, ctx: StepContext): Promise<StepOutcome> {
  const { props, job } = ctx;
  const argv = typeof step.command === 'string' ? ['/bin/sh', '-c', interpolate(step.command, props, { shell: true })] : step.command.map((a) => interpolate(a, props));
  const cwd = resolveInside(ctx.buildDir, interpolate(step.workdir ?? '.', props), 'workdir');
  const stepEnv = interpolateRecord(step.env, props);
  const env: NodeJS.ProcessEnv = { ...process.env, ...stepEnv, BB_BUILDER: job.builder, BB_BUILD_NUMBER: String(job.number) };
  const got = props.got_revision;
  if (got !== undefined && got !== null) env.BB_GOT_REVISION = propertyText(got);
  const timeoutSec = step.timeoutSec ?? DEFAULT_TIMEOUT_SEC;

  // Most steps run in a directory that is there already: one stat instead of a trip to the thread pool.
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) await mkdir(cwd, { recursive: true });
  ctx.log('header', `${typeof step.command === 'string' ? argv[2] : argv.map(shellQuote).join(' ')}\n`);
  // Relative: the executor's own paths are nobody's business in chat and on pages.
  ctx.log('header', `in ${relative(ctx.buildDir, cwd) || '.'} (of the build directory)\n`);
  if (Object.keys(stepEnv).length > 0) ctx.log('header', `env: ${Object.keys(stepEnv).join(' ')}\n`);
  ctx.log('header', `timeout ${timeoutSec}s\n`);

  const [file, ...args] = argv as [string, ...string[]];
  const run = await runProcessGroup({
    file,
    args,
    cwd,
    env,
    timeoutMs: timeoutSec * 1000,
    killGraceMs: ctx.killGraceMs,
    signal: ctx.signal,
    launchers: ctx.launchers,
    onOutput: (stream, text) => ctx.log(stream, text),
  });
  if (run.spawnError) {
    ctx.log('header', `could not start ${file}: ${run.spawnError.message}\n`);
    return { result: 'FAILURE', text: `could not start ${file}` };
  }
  if (run.launcherLost && !run.aborted && !run.timedOut) {
    ctx.log('header', `the step launcher died while the step ran (${run.signal ? `killed by ${run.signal}` : `exit ${run.code ?? '?'}`}): the step's result is unknown; its process group was stopped\n`);
    return { result: 'FAILURE', text: 'step launcher died' };
  }
  if (run.aborted) return { result: 'RETRY', text: 'interrupted by executor shutdown' };
  if (run.timedOut) {
    ctx.log('header', `timed out after ${timeoutSec}s: process group killed\n`);
    return { result: 'FAILURE', text: `timed out after ${timeoutSec}s` };
  }
  const exitText = run.signal ? `killed by ${run.signal}` : `exit ${run.code ?? '?'}`;
  ctx.log('header', `${exitText}\n`);
  const tests = step.testResults ? await collectTestResults(step.testResults, cwd, ctx) : undefined;
  const testsText = tests && tests.failed > 0 ? `${tests.failed} of ${tests.total} tests failed` : undefined;
  if (run.signal || run.code !== 0) return { result: 'FAILURE', text: testsText ? `${exitText}, ${testsText}` : exitText };
  if (testsText) return { result: 'FAILURE', text: testsText };
  return { result: 'SUCCESS', ...(tests ? { text: `${tests.total} tests passed` } : {}) };
}
