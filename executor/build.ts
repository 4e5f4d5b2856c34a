import { join, resolve } from 'node:path';
import type { Logger } from '../src/log.js';
import type { Result } from '../src/model/results.js';
import { stepDefaults, stepName } from '../src/model/steps.js';
import type { BuildJobPayload, ExecutorEvent } from '../src/queue/jobs.js';
import { runCheckout } from './checkout.js';
import { PathError, resolveInside } from './paths.js';
import { InterpolationError } from './interpolate.js';
import { RefusedInput } from './git-args.js';
import { BuildOutcome, haltsBuild } from './results.js';
import { runShell } from './shell.js';
import type { LauncherPool } from './launcher.js';
import { StepException, type StepContext, type StepOutcome } from './step-context.js';

export const HANDED_BACK_TEXT = 'handed back by executor shutdown';

/** The abort reason when the master asked to stop a build: it ends as CANCELLED, not RETRY. */
export class StopRequested {
  constructor(readonly text: string) {}
}
/** Test cases per `tests` event. */
const TESTS_PER_EVENT = 200;

export interface BuildRunContext {
  basedir: string;
  emit(ev: ExecutorEvent): void;
  /**
   * Aborted to hand the build back (executor shutdown: it ends as RETRY), or with a StopRequested
   * reason when the master stops it (it ends as CANCELLED).
   */
  signal: AbortSignal;
  killGraceMs: number;
  /** Shell steps start through these when set (see launcher.ts). */
  launchers?: LauncherPool | undefined;
  log: Logger;
}

/**
 * Run one accepted build from start to finish and report it. Steps after a halting one (a
 * failure with haltOnFailure, or an EXCEPTION) are not run: each is reported as step-finished
 * SKIPPED, without a step-started. Never throws: whatever goes wrong ends the build with a result.
 */
export async function runBuild(job: BuildJobPayload, rc: BuildRunContext): Promise<Result> {
  const ref = { buildId: job.buildId, token: job.token };
  const emit = rc.emit;
  emit({ type: 'build-started', ...ref, at: Date.now() });
  const props: Record<string, unknown> = { ...job.properties };
  const outcome = new BuildOutcome();
  let halted = false;
  let buildDir: string | undefined;
  let dirError: string | undefined;
  try {
    const wd = resolveInside(rc.basedir, job.workdir, 'job workdir');
    if (wd === resolve(rc.basedir)) throw new Error(`job workdir ${JSON.stringify(job.workdir)} must name a directory`);
    buildDir = join(wd, 'build');
  } catch (err) {
    dirError = (err as Error).message;
  }

  for (const [index, step] of job.steps.entries()) {
    const name = stepName(step, index);
    const flags = stepDefaults(step);
    if (halted || rc.signal.aborted) {
      emit({ type: 'step-finished', ...ref, step: index, result: 'SKIPPED', text: 'skipped' });
      continue;
    }
    emit({ type: 'step-started', ...ref, step: index, name });
    const ctx: StepContext = {
      job,
      index,
      buildDir: buildDir ?? '',
      props,
      setProperty(key, value) {
        props[key] = value;
        emit({ type: 'properties', ...ref, properties: { [key]: value } });
      },
      log: (stream, text) => emit({ type: 'log', ...ref, step: index, stream, text }),
      signal: rc.signal,
      killGraceMs: rc.killGraceMs,
      launchers: rc.launchers,
      reportTests(tests) {
        for (let i = 0; i < tests.length; i += TESTS_PER_EVENT) {
          emit({ type: 'tests', ...ref, step: index, tests: tests.slice(i, i + TESTS_PER_EVENT) });
        }
      },
    };
    let res: StepOutcome;
    try {
      if (dirError) throw new StepException(dirError);
      res = step.type === 'checkout' ? await runCheckout(step, ctx) : await runShell(step, ctx);
    } catch (err) {
      const message = err instanceof Error ? err.message.trim() : String(err);
      if (!isExpected(err)) rc.log.warn({ err, buildId: job.buildId, step: index }, 'step raised an exception');
      ctx.log('header', `exception: ${message}\n`);
      res = { result: 'EXCEPTION', text: firstLine(message) };
    }
    if (rc.signal.aborted) {
      const stop = stopRequest(rc.signal);
      res = stop ? { result: 'CANCELLED', text: 'stopped' } : res.result === 'RETRY' ? res : { result: 'RETRY', text: 'interrupted by executor shutdown' };
    }
    emit({ type: 'step-finished', ...ref, step: index, result: res.result, ...(res.text ? { text: res.text } : {}) });
    outcome.add(name, res.result, flags, res.text);
    if (haltsBuild(res.result, flags)) halted = true;
  }

  if (rc.signal.aborted) {
    const stop = stopRequest(rc.signal);
    if (stop) {
      emit({ type: 'build-finished', ...ref, result: 'CANCELLED', text: stop.text });
      return 'CANCELLED';
    }
    emit({ type: 'build-finished', ...ref, result: 'RETRY', text: HANDED_BACK_TEXT });
    return 'RETRY';
  }
  emit({ type: 'build-finished', ...ref, result: outcome.result, text: outcome.text() });
  return outcome.result;
}

function stopRequest(signal: AbortSignal): StopRequested | undefined {
  return signal.reason instanceof StopRequested ? signal.reason : undefined;
}

/** Errors whose message says it all: bad input rather than a fault in the executor. */
function isExpected(err: unknown): boolean {
  return err instanceof StepException || err instanceof InterpolationError || err instanceof PathError || err instanceof RefusedInput;
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
