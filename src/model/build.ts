import { isCounted, type Result } from './results.js';

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
  /**
   * A revision someone picked by hand (`force --revision`, `try --revision`): its builds say
   * nothing about the branch's history, so they never open or resolve Problems.
   */
  pinned?: boolean;
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
  /**
   * False when its requests must never collapse into others (forced builds, unless the force
   * request asked). Absent means true; a patch or a forced revision never collapses either way.
   */
  collapse?: boolean;
  /** The upstream BuildSet whose success started it (dependent schedulers). */
  upstreamBuildsetId?: number;
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
  /**
   * The newer request that took this one's place: it collapsed into it (this one ends SKIPPED,
   * its changes ride along in that request's build) or a newer BuildSet on the same branch
   * superseded it (a builder with `cancelSuperseded`: this one ends CANCELLED).
   */
  supersededBy?: number;
  /** Why it ended without a build of its own, or was stopped (collapsed / superseded …). */
  text?: string;
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
  /** Test cases this step reported, and how many of them failed (or erred). */
  tests?: { total: number; failed: number };
}

/**
 * How the checkout step's text begins when the revision asked for does not exist (the step, and
 * so the build, ends EXCEPTION). Such a build says nothing about the code: no Problem comes of it.
 */
export const REVISION_NOT_FOUND = 'revision not found';

export type TestOutcome = 'pass' | 'fail' | 'error' | 'skip';

export interface TestCaseResult {
  /** Suite or class, then name: the identity of a test across builds. */
  suite: string;
  name: string;
  /** The source file the test lives in, when the report names it (JUnit's `file` attribute); absent in results stored before it was kept. */
  file?: string;
  outcome: TestOutcome;
  durationMs?: number;
  message?: string;
  /** A failed or errored test's own output (JUnit's `<system-out>` and `<system-err>`), its last 8 KB. */
  output?: string;
  /** The runner itself saw it fail and then pass on a rerun (Surefire's `<flakyFailure>`). */
  flaky?: boolean;
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
  /** Its BuildSet's source stamp; `changeIds` also holds the changes of the requests it collapsed. */
  sourcestamp: SourceStamp;
  /** Authors of the build's Changes (its own request's and those of the requests it collapsed). */
  blamelist: string[];
  /** Older requests that collapsed into this build's request (they ended SKIPPED), oldest first. */
  collapsedRequestIds?: number[];
  properties: Record<string, unknown>;
  steps: StepState[];
  /** Index of the running step, if any. */
  currentStep?: number;
  tests?: { total: number; failed: number; skipped: number };
  /** When retention pruned its logs and test results (the record stays). */
  logsPrunedAt?: number;
}

/** The revision a build tested: what the checkout reported (`got_revision`), else what was asked for. */
export function testedRevision(build: Build): string | undefined {
  const got = build.properties.got_revision;
  return typeof got === 'string' && got ? got : build.sourcestamp.revision;
}

/** A finished build whose result is a verdict on the code (not retried, cancelled or skipped). */
export function isCountedBuild(build: Build): boolean {
  return build.state === 'finished' && isCounted(build.result);
}

/**
 * What every build knows about its source, as Buildbot sets them: `branch`, `revision`,
 * `repository`, `project` and `reason` (each only when the BuildSet has it), so commands can say
 * `%(prop:branch:-main)`.
 */
export function sourceProperties(bs: BuildSet): Record<string, string> {
  const ss = bs.sourcestamp;
  const out: Record<string, string> = {};
  if (ss.branch) out.branch = ss.branch;
  if (ss.revision) out.revision = ss.revision;
  if (ss.repository) out.repository = ss.repository;
  if (ss.project) out.project = ss.project;
  if (bs.reason) out.reason = bs.reason;
  return out;
}
