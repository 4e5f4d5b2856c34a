import type { Result } from './results.js';

export interface Patch {
  /** The unified diff, as `git apply` takes it. */
  body: string;
  /** Leading path components to strip (`-p`). */
  level: number;
  subdir?: string;
}

/** What to build. */
export interface SourceStamp {
  repository: string;
  branch?: string;
  /** A fixed revision; absent means "the tip of the branch when the build starts". */
  revision?: string;
  project: string;
  patch?: Patch;
  /** The Changes this source stamp contains, oldest first. */
  changeIds: number[];
}

export interface BuildSet {
  id: number;
  reason: string;
  scheduler: string;
  sourcestamp: SourceStamp;
  builders: string[];
  properties: Record<string, unknown>;
  submittedAt: number;
  requestIds: number[];
  /** Set when the first of its builds fails (the first-failure event). */
  failedAt?: number;
  completeAt?: number;
  result?: Result;
}

export type RequestState = 'pending' | 'claimed' | 'complete';

export interface BuildRequest {
  id: number;
  buildsetId: number;
  builder: string;
  /** Higher runs first; equal priorities run oldest first. */
  priority: number;
  submittedAt: number;
  state: RequestState;
  /** Builds that ran (or are running) for it, oldest first; a RETRY leaves one behind. */
  buildIds: number[];
  result?: Result;
  completeAt?: number;
}

export type StepStateName = 'pending' | 'running' | 'done' | 'skipped';

export interface StepState {
  name: string;
  state: StepStateName;
  result?: Result;
  startedAt?: number;
  finishedAt?: number;
  /** A short summary such as "exit 1" or "3 tests failed". */
  text?: string;
}

export type TestOutcome = 'pass' | 'fail' | 'error' | 'skip';

export interface TestCaseResult {
  /** Suite or class, then name: the identity of a test across builds. */
  suite: string;
  name: string;
  outcome: TestOutcome;
  durationMs?: number;
  message?: string;
}

export type BuildState = 'dispatched' | 'running' | 'finished';

export interface Build {
  id: number;
  builder: string;
  number: number;
  requestId: number;
  buildsetId: number;
  executor: string;
  /** A fresh secret per attempt: events that do not carry it are stale and ignored. */
  token: string;
  state: BuildState;
  dispatchedAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: Result;
  /** Why it ended as it did, e.g. "executor lost" for RETRY. */
  text?: string;
  sourcestamp: SourceStamp;
  /** Authors of the build's Changes. */
  blamelist: string[];
  properties: Record<string, unknown>;
  steps: StepState[];
  /** Index of the running step, if any. */
  currentStep?: number;
  tests?: { total: number; failed: number; skipped: number };
}
