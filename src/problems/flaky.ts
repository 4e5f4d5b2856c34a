import type { Store } from '../data/store.js';
import type { Build, TestCaseResult } from '../model/build.js';
import { verdicts } from './compare.js';
import { subjectKey, type FlakyRecord, type ProblemSubject } from '../model/problem.js';

export type { FlakyRecord } from '../model/problem.js';

export interface FlakySettings {
  /** Passing runs in a row after which a test is no longer remembered as flaky. */
  clearAfter: number;
  /** Runs kept per subject and builder for the flip rate. */
  window: number;
  /** Confirming reruns for a subject with a flaky history (one otherwise). */
  historyReruns: number;
}

/** Field of a subject in a builder's hash: repository, project and subject. */
export function flakyField(source: { repository: string; project: string }, s: ProblemSubject): string {
  return `${source.repository}|${source.project}|${subjectKey(s)}`;
}

/** Share of consecutive runs in the window whose verdicts differ (0 … 1). */
export function flipRate(rec: FlakyRecord): number {
  if (rec.runs.length < 2) return 0;
  let flips = 0;
  for (let i = 1; i < rec.runs.length; i++) if (rec.runs[i] !== rec.runs[i - 1]) flips += 1;
  return flips / (rec.runs.length - 1);
}

export function isFlaky(rec: FlakyRecord | undefined): boolean {
  return rec?.flakySince !== undefined;
}

/** Confirming reruns a suspected failure of this subject gets: more when it has a flaky history. */
export function rerunsFor(rec: FlakyRecord | undefined, settings: FlakySettings): number {
  if (!rec) return 1;
  return rec.episodes > 0 || flipRate(rec) > 0 ? Math.max(1, settings.historyReruns) : 1;
}

/**
 * Adds one run's verdicts to the records (a pure step, returning the records it changed). A
 * failing subject gets a record if it has none; a passing one only if it has one. A test the
 * runner itself saw fail and then pass (`flaky: true`, Surefire's flakyFailure) is marked
 * flaky. A flaky subject that has passed `clearAfter` times in a row is flaky no more.
 */
export function addRun(
  records: Map<string, FlakyRecord>,
  source: { repository: string; project: string },
  run: Map<string, { subject: ProblemSubject; verdict: 'pass' | 'fail' }>,
  runnerFlaky: ProblemSubject[],
  settings: FlakySettings,
  now: number,
): Map<string, FlakyRecord> {
  const changed = new Map<string, FlakyRecord>();
  for (const { subject, verdict } of run.values()) {
    const field = flakyField(source, subject);
    const old = records.get(field);
    if (!old && verdict === 'pass') continue;
    const rec: FlakyRecord = old ? { ...old } : { subject, runs: '', passStreak: 0, episodes: 0 };
    rec.runs = (rec.runs + (verdict === 'pass' ? 'p' : 'f')).slice(-settings.window);
    rec.passStreak = verdict === 'pass' ? rec.passStreak + 1 : 0;
    if (rec.flakySince !== undefined && rec.passStreak >= settings.clearAfter) delete rec.flakySince;
    changed.set(field, rec);
  }
  for (const subject of runnerFlaky) {
    const field = flakyField(source, subject);
    const rec = changed.get(field) ?? records.get(field) ?? { subject, runs: 'fp', passStreak: 1, episodes: 0 };
    changed.set(field, markFlaky(rec, now));
  }
  for (const [field, rec] of changed) records.set(field, rec);
  return changed;
}

export function markFlaky(rec: FlakyRecord, now: number): FlakyRecord {
  return { ...rec, flakySince: rec.flakySince ?? now, episodes: rec.episodes + 1, passStreak: 0 };
}

/**
 * Builders' flaky records as read (or written) during one pass of the Problem detector, so a pass
 * over several builds of a builder reads them once. A copy counts only while no other write of
 * flaky records went through this process's store since (`FlakyRepo.writes`).
 */
export class FlakyPassMemo {
  private at = -1;
  private readonly byBuilder = new Map<string, Map<string, FlakyRecord>>();

  get(writes: number, builder: string): Map<string, FlakyRecord> | undefined {
    if (writes !== this.at) return undefined;
    return this.byBuilder.get(builder);
  }

  set(writes: number, builder: string, records: Map<string, FlakyRecord>): void {
    if (writes !== this.at) {
      this.byBuilder.clear();
      this.at = writes;
    }
    this.byBuilder.set(builder, records);
  }
}

/** The flaky memory over the store: what the Problem detector asks and tells. */
export class FlakyMemory {
  constructor(
    private readonly store: Store,
    private readonly settings: FlakySettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a counted build's verdicts; returns the builder's records as they are now. */
  async record(b: Build, tests: TestCaseResult[], memo?: FlakyPassMemo): Promise<Map<string, FlakyRecord>> {
    const repo = this.store.flaky;
    const before = repo.writes;
    const remembered = memo?.get(before, b.builder);
    const records = remembered ? new Map(remembered) : await repo.records(b.builder);
    const read = new Map(records);
    const runnerFlaky = tests.filter((t) => t.flaky && t.outcome === 'pass').map((t): ProblemSubject => ({ kind: 'test', suite: t.suite, name: t.name }));
    const changed = addRun(records, b.sourcestamp, verdicts(b, tests), runnerFlaky, this.settings, this.now());
    // Remembered as read when nothing was written, as written when only this write went through meanwhile.
    if (!changed.size) {
      if (repo.writes === before) memo?.set(before, b.builder, read);
    } else {
      await repo.put(b.builder, changed);
      if (repo.writes === before + 1) memo?.set(repo.writes, b.builder, new Map(records));
    }
    return records;
  }

  /** A confirming rerun passed these subjects: remember them as flaky on the builder. */
  async found(builder: string, source: { repository: string; project: string }, subjects: ProblemSubject[]): Promise<void> {
    if (!subjects.length) return;
    const records = await this.store.flaky.records(builder);
    const changed = new Map<string, FlakyRecord>();
    for (const s of subjects) {
      const field = flakyField(source, s);
      changed.set(field, markFlaky(records.get(field) ?? { subject: s, runs: 'fp', passStreak: 1, episodes: 0 }, this.now()));
    }
    await this.store.flaky.put(builder, changed);
  }

  /**
   * `flaky <test> off`: forget that the subjects whose label (`suite.name`, `name`, or `step
   * name`) matches are flaky, on every builder. Returns the labels and builders turned off.
   */
  async off(label: string, by: string): Promise<Array<{ builder: string; subject: ProblemSubject }>> {
    const out: Array<{ builder: string; subject: ProblemSubject }> = [];
    for (const { builder, field, record } of await this.store.flaky.all()) {
      if (!isFlaky(record) || !matchesLabel(record.subject, label)) continue;
      const { flakySince: _f, ...rest } = record;
      await this.store.flaky.put(builder, new Map([[field, { ...rest, passStreak: 0, offBy: by, offAt: this.now() }]]));
      out.push({ builder, subject: record.subject });
    }
    return out;
  }

  /** Subjects remembered as flaky now, with their builder and flip rate. */
  async list(): Promise<Array<{ builder: string; record: FlakyRecord; flipRate: number }>> {
    return (await this.store.flaky.all()).filter((r) => isFlaky(r.record)).map(({ builder, record }) => ({ builder, record, flipRate: flipRate(record) }));
  }

  /** Of these failing tests of a build, those remembered as flaky on its builder. */
  async flakyAmong(b: Build, failing: TestCaseResult[]): Promise<TestCaseResult[]> {
    if (!failing.length) return [];
    const records = await this.store.flaky.records(b.builder);
    return failing.filter((t) => isFlaky(records.get(flakyField(b.sourcestamp, { kind: 'test', suite: t.suite, name: t.name }))));
  }
}

function matchesLabel(s: ProblemSubject, label: string): boolean {
  if (s.kind === 'step') return label === s.name || label === `step ${s.name}`;
  return label === s.name || label === `${s.suite}.${s.name}` || label === `${s.suite}: ${s.name}`;
}
