import type { TestCaseResult } from '../src/model/build.js';
import type { Result } from '../src/model/results.js';
import type { BuildJobPayload } from '../src/queue/jobs.js';
import type { LauncherPool } from './launcher.js';

export type LogStream = 'stdout' | 'stderr' | 'header';

/** What a running step may see and do. */
export interface StepContext {
  job: BuildJobPayload;
  /** The step's index in the build. */
  index: number;
  /** `<basedir>/<workdir>/build`: the work tree. */
  buildDir: string;
  /** Job properties plus those set by earlier steps; read-only here, use setProperty. */
  props: Readonly<Record<string, unknown>>;
  setProperty(name: string, value: unknown): void;
  log(stream: LogStream, text: string): void;
  /** Aborted when the executor hands its builds back: stop now, the build ends as RETRY. */
  signal: AbortSignal;
  /** Time between SIGTERM and SIGKILL for a process group being stopped. */
  killGraceMs: number;
  /** Shell steps start through these (Linux), else with Node's spawn. */
  launchers?: LauncherPool | undefined;
  /** Sends a `tests` event for this step. */
  reportTests(tests: TestCaseResult[]): void;
}

export interface StepOutcome {
  result: Result;
  text?: string;
}

/** An error whose message is the whole story (no stack in the log): the step ends as EXCEPTION. */
export class StepException extends Error {}

/** Default step timeout (seconds), as documented in src/model/steps.ts. */
export const DEFAULT_TIMEOUT_SEC = 1200;
