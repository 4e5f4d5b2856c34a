/** A Problem: something that passed and then failed (see DESIGN.md). Pure types, no I/O. */

export type ProblemState = 'suspected' | 'confirmed' | 'resolved' | 'flaky';

/** What failed: a test case (suite + name), or a step where the builder reports no tests. */
export interface ProblemSubject {
  kind: 'test' | 'step';
  /** Suite for a test, empty for a step. */
  suite: string;
  name: string;
  /** A test's source file, when its results named one. */
  file?: string;
  /**
   * A test's name as messages show it when its bare name is not enough: qualified by as much of
   * its suite (class, module) and file as tells it apart from the tests of the same name in the
   * build that found it. Set when the Problem opens; absent when the bare name is unambiguous there
   * (and on Problems stored before it was kept).
   */
  label?: string;
}

/** One builder the Problem was seen on. */
export interface ProblemBuilder {
  builder: string;
  /** Build id and number of the first failing build. */
  firstBadBuildId: number;
  firstBadNumber: number;
  /** The last build where the subject passed (absent if unknown). */
  lastGoodBuildId?: number;
  lastGoodRevision?: string;
  /** Passes again here. */
  fixedAt?: number;
  fixedByBuildId?: number;
  /** The revision of that build, and the author of its change (or of the commits since the last failing build). */
  fixedRevision?: string;
  fixedBy?: string;
}

export interface ProblemNote {
  user: string;
  at: number;
  note?: string;
}

export interface Problem {
  id: number;
  /** Identity: repository, project, subject key and first bad revision (see `problemKey`). */
  key: string;
  /** Repository URL and project of the builds it was found in (absent on Problems stored before they were kept). */
  repository?: string;
  project?: string;
  state: ProblemState;
  subjects: ProblemSubject[];
  builders: ProblemBuilder[];
  firstBadRevision: string;
  lastGoodRevision?: string;
  openedAt: number;
  confirmedAt?: number;
  resolvedAt?: number;
  flakyAt?: number;
  /** BuildSet of the (latest) confirming rerun. */
  confirmBuildsetId?: number;
  /** Confirming reruns it gets, all of which must fail (more for subjects with a flaky history), and how many ended. */
  confirmRuns?: number;
  confirmsDone?: number;
  /** Subjects a confirming rerun passed: found flaky and taken off this Problem. */
  flakySubjects?: ProblemSubject[];
  guilty: string[];
  responsible: string[];
  interested: string[];
  /** Users who said `not me`. */
  notMe: Array<ProblemNote>;
  acks: Array<ProblemNote>;
  /** Epoch ms until which reminders wait. */
  snoozedUntil?: number;
  snoozedBy?: string;
  watchers: string[];
  /** How the guilty were found, e.g. "changes 3, 4" or "git log a..b", or why not. */
  blameNote?: string;
}

/** What the tiers code reads: a small summary of an open Problem. */
export interface ProblemSummary {
  id: number;
  builders: string[];
  tests: string[];
  firstBadRevision: string;
  guilty: string[];
  state: ProblemState;
}

export function subjectLabel(s: ProblemSubject): string {
  return s.kind === 'test' ? `${s.suite}.${s.name}` : `step ${s.name}`;
}

export function subjectKey(s: ProblemSubject): string {
  return `${s.kind}|${s.suite}|${s.name}`;
}

export function isOpen(p: Problem): boolean {
  return p.state === 'suspected' || p.state === 'confirmed';
}

export function summarize(p: Problem): ProblemSummary {
  return {
    id: p.id,
    builders: p.builders.map((b) => b.builder),
    tests: p.subjects.map(subjectLabel),
    firstBadRevision: p.firstBadRevision,
    guilty: [...p.guilty],
    state: p.state,
  };
}

export interface SheriffOverride {
  user: string;
  by: string;
  at: number;
  /** ISO week (e.g. 2026-W48) the override holds for. */
  week: string;
}

/** What bb remembers of one subject (test, or step) on one builder, once it has failed there. */
export interface FlakyRecord {
  subject: ProblemSubject;
  /** Verdicts of its last runs, oldest first (`p` pass, `f` fail), at most `window` of them. */
  runs: string;
  /** Passing runs in a row, up to now. */
  passStreak: number;
  /** Set while it is remembered as flaky: since when. */
  flakySince?: number;
  /** How many times it was found flaky (a confirming rerun passed, or the runner said so). */
  episodes: number;
  /** Who last turned the flag off by hand (`flaky <test> off`), and when. */
  offBy?: string;
  offAt?: number;
}

/** Every identity key a Problem may be found by: its own, and one per subject at its first bad revision. */
export function problemKeys(p: Pick<Problem, 'key' | 'repository' | 'project' | 'subjects' | 'flakySubjects' | 'firstBadRevision'>): string[] {
  const subjects = [...p.subjects, ...(p.flakySubjects ?? [])];
  const at = (s: ProblemSubject) => (p.repository === undefined ? `${subjectKey(s)}@${p.firstBadRevision}` : `${p.repository}|${p.project ?? ''}|${subjectKey(s)}@${p.firstBadRevision}`);
  return [...new Set([p.key, ...subjects.map(at)])];
}
