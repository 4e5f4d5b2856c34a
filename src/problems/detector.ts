import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { isCountedBuild, testedRevision, type Build, type TestCaseResult } from '../model/build.js';
import type { Logger } from '../log.js';
import { Kicker } from '../util/mutex.js';
import { formatDuration } from '../model/duration.js';
import { blame, ownersOf } from './blame.js';
import { newFailures, sameSource, speaksForHistory, verdicts } from './compare.js';
import { FlakyMemory, FlakyPassMemo, flakyField, isFlaky, rerunsFor } from './flaky.js';
import { isOpen, subjectKey, type Problem, type ProblemSubject } from '../model/problem.js';
import { currentSheriff } from './sheriff-store.js';
import { withLabels } from './test-names.js';

/** The pause between back-to-back passes (builds finishing one after another): each then reads its place and the builds once for many. */
const DETECT_GAP_MS = 50;

/** Property a confirming rerun carries: the id of the Problem it confirms. */
export const CONFIRM_PROP = 'confirm_problem';

/** Stored key of one subject failing from one revision on, in one repository and project. */
export function problemKey(source: { repository: string; project: string }, s: ProblemSubject, revision: string): string {
  return `${source.repository}|${source.project}|${subjectKey(s)}@${revision}`;
}

/**
 * Opens and resolves Problems from finished builds. A cursor over build ids (plus a set of ids
 * handled above it, for builds that finish out of order) makes a restarted master handle the
 * builds that finished while it was down, in id order.
 *
 * At start and whenever a BuildSet completes it also sweeps the suspected Problems whose
 * confirming rerun can give no verdict any more (see `sweep`), so none stays suspected forever.
 */
export class ProblemDetector {
  private readonly kicker: Kicker;
  private offs: Array<() => void> = [];
  /** A sweep of suspected Problems is due (at start, and after a BuildSet completed). */
  private sweepDue = true;
  private timer?: NodeJS.Timeout;
  private flaky: FlakyMemory;
  /** What the pass under way has read of flaky records and open Problems (see `openProblems`). */
  private memo: { flaky: FlakyPassMemo; open?: { writes: number; raw: string } } | null = null;

  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
    private readonly log: Logger,
    /** Where the git pollers keep their mirrors (`<basedir>/mirrors`), for blame by history. */
    private readonly mirrorsDir?: string,
    private readonly now: () => number = Date.now,
  ) {
    this.flaky = new FlakyMemory(store, config.problems.flaky, now);
    // While builds finish one after another, a pass waits DETECT_GAP_MS after the last and takes all that finished meanwhile.
    this.kicker = new Kicker(() => this.pass(), (err) => this.log.error({ err }, 'problem detection failed'), DETECT_GAP_MS);
  }

  /** The config was replaced in place (`bb reconfig`): take its flaky-test settings. */
  refresh(): void {
    this.flaky = new FlakyMemory(this.store, this.config.problems.flaky, this.now);
  }

  start(): void {
    // Suspected Problems whose rerun waits too long are confirmed by the sweep: look once a minute.
    this.timer = setInterval(() => void this.sweepSoon().catch((err) => this.log.warn({ err }, 'problem sweep failed')), 60_000);
    this.timer.unref();
    this.offs = [
      this.store.bus.on('build.finished', () => this.kicker.kick()),
      this.store.bus.on('buildset.complete', () => {
        this.sweepDue = true;
        this.kicker.kick();
      }),
    ];
    this.kicker.kick();
  }

  /** Sweeps the suspected Problems now (the minute timer, and tests that moved the clock). */
  async sweepSoon(): Promise<void> {
    if (!(await this.store.problems.open()).some((p) => p.state === 'suspected')) return;
    this.sweepDue = true;
    this.kicker.kick();
    await this.kicker.settled();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const off of this.offs) off();
    this.offs = [];
    await this.kicker.settled();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  /** One run: the finished builds past the cursor, then (when due) the sweep. */
  private async pass(): Promise<void> {
    this.memo = { flaky: new FlakyPassMemo() };
    try {
      await this.catchUp();
    } finally {
      this.memo = null;
    }
    if (!this.sweepDue) return;
    this.sweepDue = false;
    try {
      await this.sweep();
    } catch (err) {
      this.sweepDue = true;
      throw err;
    }
  }

  private async catchUp(): Promise<void> {
    // One command: the detector's place and the last build id.
    const place = await this.store.problems.placeAndLast(this.store.builds.lastIdKey());
    const { last } = place;
    let { cursor } = place;
    const { done } = place;
    let trim = place.trim;
    let contiguous = true;
    // The builds past the cursor are read a slice at a time, in one round trip each (most are
    // still running while builds finish quickly one after another).
    const SLICE = 100;
    let slice = new Map<number, Build>();
    const first = cursor + 1;
    for (let id = first; id <= last; id++) {
      if ((id - first) % SLICE === 0) {
        const ids: number[] = [];
        for (let i = id; i <= Math.min(last, id + SLICE - 1); i++) if (!done.has(i)) ids.push(i);
        slice = new Map((await this.store.getBuilds(ids)).map((b) => [b.id, b]));
      }
      if (!done.has(id)) {
        const b = slice.get(id);
        if (!b || b.state !== 'finished') {
          contiguous = false;
          continue;
        }
        await this.handle(b);
        if (!contiguous) await this.store.problems.markDone(id);
      } else trim = true;
      if (contiguous) {
        cursor = id;
        // Stored with the next write of the detector's, or at the end of the pass (ProblemsRepo.deferCursor).
        this.store.problems.deferCursor(cursor);
      }
    }
    if (trim) await this.store.problems.trimDone(cursor);
    await this.store.problems.flushCursor();
  }

  private async handle(b: Build): Promise<void> {
    // A try build (a patch), a hand-picked revision or one that does not exist says nothing about the history.
    if (!speaksForHistory(b)) return;
    const tests = await this.testsOf(b);
    const memory = await this.flaky.record(b, tests, this.memo?.flaky);
    const confirming = b.properties[CONFIRM_PROP];
    if (typeof confirming === 'number') return this.confirm(confirming, b, tests);
    await this.resolveWith(b, tests);
    // Compared with the builder's last build of the same repository and project (reruns, tries and hand-picked revisions left out).
    // The builder's newest 100 builds are looked through, newest first: the newest 8 almost always hold it.
    const pick = (builds: Build[]) => {
      const recent = builds.filter((x) => x.number < b.number && x.properties[CONFIRM_PROP] === undefined && sameSource(x, b) && !x.sourcestamp.patch && !x.sourcestamp.pinned);
      return { recent, prev: recent.find((x) => x.state === 'finished' && speaksForHistory(x)) };
    };
    // Nothing of this build fails (steps or tests): nothing can be a new failure, no earlier build is needed.
    if (!failsAnything(b, tests)) return;
    let { recent, prev } = pick(await this.store.lastBuilds(b.builder, 8));
    if (!prev) ({ recent, prev } = pick(await this.store.lastBuilds(b.builder, 100)));
    if (!prev) return;
    const failing = newFailures(prev, await this.testsOf(prev), b, tests);
    // A subject remembered as flaky on this builder is reported as flaky (the announcement), never a Problem.
    const failures = failing.filter((s) => !isFlaky(memory.get(flakyField(b.sourcestamp, s))));
    if (failing.length > failures.length) this.log.info({ builder: b.builder, build: b.id, flaky: failing.length - failures.length }, 'failures of tests remembered as flaky: no problem');
    if (!failures.length) return;
    const rev = testedRevision(b) ?? `build-${b.id}`;
    const source = { repository: b.sourcestamp.repository, project: b.sourcestamp.project };
    const fresh: ProblemSubject[] = [];
    for (const s of failures) {
      const known = (await this.store.problems.byKey(problemKey(source, s, rev))) ?? (await this.legacy(s, rev));
      // A resolved (or flaky) Problem with the same identity does not take new failures: a new one opens.
      if (!known || !isOpen(known)) fresh.push(s);
      else if (!known.builders.some((x) => x.builder === b.builder)) {
        known.builders.push({ builder: b.builder, firstBadBuildId: b.id, firstBadNumber: b.number, lastGoodBuildId: prev.id, ...lastGoodRev(prev) });
        // Those interested in this builder are interested in the Problem too, whichever builder found it first.
        known.interested = unique([...known.interested, ...(this.config.problems.interested[b.builder] ?? [])]);
        await this.store.problems.put(known, 'problem.changed');
      }
    }
    if (!fresh.length) return;
    // Each test named as messages will show it: qualified where another test of the build has its name.
    const subjects = withLabels(fresh, tests);
    const between = recent.filter((x) => x.number > prev.number).reverse();
    const found = await blame(this.store, this.config, this.mirrorsDir, prev, [...between, b]);
    const at = this.now();
    const sheriff = await currentSheriff(this.store, this.config, at);
    // Nobody blamed (no changes, infrastructure): the builder's owners answer for it beside the sheriff.
    const builderOwners = found.guilty.length ? [] : (this.config.tiers?.owners[b.builder] ?? []);
    const responsible = unique([...found.guilty, ...ownersOf(this.config, found.files), ...builderOwners, ...(sheriff ? [sheriff] : [])]);
    const confirm = this.config.problems.confirm;
    const reruns = Math.max(...fresh.map((s) => rerunsFor(memory.get(flakyField(source, s)), this.config.problems.flaky)));
    const prevRev = testedRevision(prev);
    let p = await this.store.problems.create({
      key: problemKey(source, fresh[0]!, rev),
      ...source,
      ...(confirm ? { confirmRuns: reruns, confirmsDone: 0 } : {}),
      state: confirm ? 'suspected' : 'confirmed',
      subjects,
      builders: [{ builder: b.builder, firstBadBuildId: b.id, firstBadNumber: b.number, lastGoodBuildId: prev.id, ...lastGoodRev(prev) }],
      firstBadRevision: rev,
      ...(prevRev ? { lastGoodRevision: prevRev } : {}),
      openedAt: at,
      ...(confirm ? {} : { confirmedAt: at }),
      guilty: found.guilty,
      responsible,
      interested: unique(this.config.problems.interested[b.builder] ?? []),
      notMe: [],
      acks: [],
      watchers: [],
      blameNote: found.note,
    }, confirm ? undefined : 'problem.opened', fresh.slice(1).map((s) => problemKey(source, s, rev)));
    if (!confirm) return;
    await this.rerun(p, b);
  }

  /** An open Problem stored before identities named the repository (key `<subject>@<revision>`): it still takes its other builders. */
  private async legacy(s: ProblemSubject, rev: string): Promise<Problem | null> {
    const p = await this.store.problems.byKey(`${subjectKey(s)}@${rev}`);
    return p && p.repository === undefined && isOpen(p) ? p : null;
  }

  /** Starts a confirming rerun of the Problem's failing build `b` at the same revision. */
  private async rerun(p: Problem, b: Build): Promise<void> {
    const { buildset } = await this.store.createBuildSet({
      reason: `confirm problem ${p.id}`,
      scheduler: 'problems',
      sourcestamp: { ...b.sourcestamp, ...(testedRevision(b) ? { revision: testedRevision(b)! } : {}), changeIds: [] },
      builders: [b.builder],
      properties: { ...stripRunProps(b.properties), [CONFIRM_PROP]: p.id },
      priority: 100,
      collapse: false,
    });
    const now = (await this.store.problems.get(p.id)) ?? p;
    await this.store.problems.put({ ...now, confirmBuildsetId: buildset.id });
    this.log.info({ problem: p.id, builder: b.builder, buildset: buildset.id, rerun: (p.confirmsDone ?? 0) + 1, of: p.confirmRuns ?? 1 }, 'problem suspected; confirming by a rerun');
  }

  /**
   * A confirming rerun ended. Subjects it passes are flaky (remembered so on the builder) and leave
   * the Problem; when none is left the Problem is flaky. While some still fail and reruns are left
   * (a subject with a flaky history gets several), another rerun starts; after the last one the
   * Problem is confirmed with the subjects that failed every time.
   */
  private async confirm(id: number, b: Build, tests: TestCaseResult[]): Promise<void> {
    const p = await this.store.problems.get(id);
    // Only the latest rerun counts, once (the sweep may have judged it before the cursor got to it).
    if (!p || p.state !== 'suspected' || (p.confirmBuildsetId !== undefined && b.buildsetId !== p.confirmBuildsetId)) return;
    const byTest = verdicts(b, tests);
    const byStep = verdicts(b, []);
    const passing = p.subjects.filter((s) => (s.kind === 'test' ? byTest : byStep).get(subjectKey(s))?.verdict === 'pass');
    const still = p.subjects.filter((s) => !passing.includes(s));
    const at = this.now();
    await this.flaky.found(b.builder, b.sourcestamp, passing);
    if (!still.length) {
      await this.store.problems.put({ ...p, state: 'flaky', flakyAt: at }, 'problem.flaky');
      return;
    }
    const done = (p.confirmsDone ?? 0) + 1;
    const next: Problem = { ...p, subjects: still, confirmsDone: done, ...(passing.length ? { flakySubjects: [...(p.flakySubjects ?? []), ...passing] } : {}) };
    if (done < (p.confirmRuns ?? 1)) {
      await this.store.problems.put(next);
      await this.rerun(next, b);
      return;
    }
    await this.store.problems.put({ ...next, state: 'confirmed', confirmedAt: at }, 'problem.opened');
  }

  /**
   * Suspected Problems whose confirming rerun will give no verdict: its BuildSet completed without
   * a counted build (each run of it ended RETRY, CANCELLED or SKIPPED: stopped, say), or it is gone
   * (never recorded, as when the master stopped between the two writes, or no longer in Redis). The
   * original failure was a counted build, so it stands: the Problem is confirmed
   * (`problem.opened`) and the log says why. A counted rerun the cursor has not reached yet is
   * judged here as it would be there. A rerun still pending or running is left alone; and a
   * suspected Problem whose builders pass its subjects meanwhile is resolved as usual by the build.
   */
  private async sweep(): Promise<void> {
    for (const p of await this.store.problems.open()) {
      if (p.state !== 'suspected') continue;
      const v = await this.rerunVerdict(p);
      if (!v) continue;
      if ('build' in v) {
        await this.confirm(p.id, v.build, await this.store.getTests(v.build.id));
        continue;
      }
      const now = await this.store.problems.get(p.id);
      if (now?.state !== 'suspected') continue;
      await this.store.problems.put({ ...now, state: 'confirmed', confirmedAt: this.now() }, 'problem.opened');
      this.log.info({ problem: p.id, buildset: p.confirmBuildsetId, why: v.why }, 'problem confirmed without a verdict from its rerun: the original failure stands');
    }
  }

  /** The counted build of a suspected Problem's confirming rerun; why there will be none; or null while it may still come. */
  private async rerunVerdict(p: Problem): Promise<{ build: Build } | { why: string } | null> {
    if (p.confirmBuildsetId === undefined) return { why: 'no confirming rerun was recorded' };
    const bs = await this.store.getBuildSet(p.confirmBuildsetId);
    if (!bs) return { why: `its confirming BuildSet ${p.confirmBuildsetId} is gone` };
    const requests = await this.store.getRequests(bs.requestIds);
    const builds = await this.store.getBuilds(requests.flatMap((r) => r.buildIds));
    const counted = builds.filter((b) => isCountedBuild(b)).sort((a, b) => b.id - a.id)[0];
    if (counted) return { build: counted };
    if (bs.completeAt === undefined) {
      const limit = this.config.problems.confirmWithin;
      if (this.now() - p.openedAt < limit) return null;
      return { why: `its confirming BuildSet ${bs.id} gave no verdict within ${formatDuration(limit)} (still waiting: is an executor for ${bs.builders.join(', ')} connected?)` };
    }
    const byId = new Map(builds.map((b) => [b.id, b]));
    const how = requests
      .map((r) => {
        const last = byId.get(r.buildIds[r.buildIds.length - 1] ?? -1);
        const text = last?.text ?? r.text;
        return `${r.builder}${last ? ` #${last.number}` : ''} ${r.result ?? 'incomplete'}${text ? ` (${text})` : ''}`;
      })
      .join(', ');
    return { why: `its confirming BuildSet ${bs.id} ended ${bs.result ?? 'without a result'} with no counted build${how ? `: ${how}` : ''}` };
  }

  /**
   * The open Problems, read once per pass of builds: a copy counts while no Problem was written
   * through this process's store since (`ProblemsRepo.writes`). Each call returns fresh objects.
   */
  private async openProblems(): Promise<Problem[]> {
    const repo = this.store.problems;
    const memo = this.memo;
    if (memo?.open && memo.open.writes === repo.writes) return JSON.parse(memo.open.raw) as Problem[];
    const writes = repo.writes;
    const open = await repo.open();
    if (memo && repo.writes === writes) memo.open = { writes, raw: JSON.stringify(open) };
    return open;
  }

  /** A build's test cases; a build that reported none (no `tests` count) is not asked for them. */
  private async testsOf(b: Build): Promise<TestCaseResult[]> {
    return b.tests ? this.store.getTests(b.id) : [];
  }

  /**
   * Marks open Problems of the build's repository and project fixed on this builder when every
   * subject passes (naming the fixing revision and its author); resolved when fixed everywhere.
   */
  private async resolveWith(b: Build, tests: TestCaseResult[]): Promise<void> {
    const byTest = verdicts(b, tests);
    const byStep = verdicts(b, []);
    for (const p of await this.openProblems()) {
      if (p.repository !== undefined && (p.repository !== b.sourcestamp.repository || (p.project ?? '') !== b.sourcestamp.project)) continue;
      const entry = p.builders.find((x) => x.builder === b.builder && x.fixedAt === undefined && x.firstBadBuildId < b.id);
      if (!entry) continue;
      if (!p.subjects.every((s) => (s.kind === 'test' ? byTest : byStep).get(subjectKey(s))?.verdict === 'pass')) continue;
      const at = this.now();
      entry.fixedAt = at;
      entry.fixedByBuildId = b.id;
      const rev = testedRevision(b);
      if (rev) entry.fixedRevision = rev;
      const by = await this.fixer(b, entry.firstBadBuildId);
      if (by) entry.fixedBy = by;
      if (p.builders.every((x) => x.fixedAt !== undefined)) await this.store.problems.put({ ...p, state: 'resolved', resolvedAt: at }, 'problem.resolved');
      else await this.store.problems.put(p, 'problem.changed');
    }
  }

  /**
   * Who fixed it: the author of the fixing build's change at its revision (else its newest change);
   * without changes (a forced or timed build), the authors in the history since the failing build.
   */
  private async fixer(fix: Build, badBuildId: number): Promise<string | undefined> {
    const changes = await this.store.getChanges(fix.sourcestamp.changeIds);
    const rev = testedRevision(fix);
    const c = changes.find((x) => x.revision === rev) ?? changes[changes.length - 1];
    if (c?.author) return c.author.replace(/\s*<[^>]*>\s*$/, '');
    const bad = await this.store.getBuild(badBuildId);
    if (!bad) return undefined;
    const found = await blame(this.store, this.config, this.mirrorsDir, bad, [fix]).catch(() => null);
    return found?.guilty.length ? found.guilty.join(', ') : undefined;
  }
}

function lastGoodRev(prev: Build): { lastGoodRevision?: string } {
  const r = testedRevision(prev);
  return r ? { lastGoodRevision: r } : {};
}

/** Build-run properties that must not ride into a rerun's BuildSet. */
function stripRunProps(props: Record<string, unknown>): Record<string, unknown> {
  const { buildnumber: _n, builder: _b, executor: _e, scheduler: _s, got_revision: _g, ...rest } = props;
  return rest;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Whether any subject of the build (a step, or a test case when it has results) fails. */
function failsAnything(b: Build, tests: TestCaseResult[]): boolean {
  for (const v of verdicts(b, tests).values()) if (v.verdict === 'fail') return true;
  if (tests.length) for (const v of verdicts(b, []).values()) if (v.verdict === 'fail') return true;
  return false;
}
