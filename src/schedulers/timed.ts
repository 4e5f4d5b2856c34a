import type { Logger } from '../log.js';
import type { MasterConfig } from '../config/schema.js';
import type { Change } from '../model/change.js';
import type { Store } from '../data/store.js';
import type { PendingEntry } from '../data/schedulers.js';
import type { TimerData, Timers } from '../model/timers.js';
import { type Firing, type TimedState } from '../model/timed.js';
import { KeyedMutex } from '../util/mutex.js';
import { isImportant } from './match.js';
import { priorityFor } from './priority.js';
import { firstFire, following, isTimed, latestSourceStamp, nightlyWantsChange, specOf, type NightlyConfig, type TimedConfig } from './timed-plan.js';
import { sourceStampFor, type ChangeClassifier } from './tree-stable.js';

/** A wake-up that runs more than this before its deadline (the clock moved back) is put off. */
const EARLY_MS = 1000;

/**
 * Periodic and nightly schedulers. Each has one wake-up, a `timed` timer (src/model/timers.ts) keyed by
 * the scheduler's name, and a clock in Redis (`db:timed:<name>`): the deadline, the last fire and the
 * schedule they were computed for. The stored deadline is the truth; a wake-up whose time is not
 * the stored deadline is stale and only re-arms. So a restarted master re-arms the same deadline
 * (a periodic one still fires at last + period, or at once when overdue), and a changed schedule
 * recomputes it.
 *
 * A nightly scheduler records the changes on its branch in the change schedulers' classifier pass
 * (same transaction as their cursor). When it fires, they go into its BuildSet (so the blamelist
 * covers everything since the previous nightly), or, with `onlyIfChanged` and none of them
 * important, wait for the next night.
 *
 * The clock is the timers' (the master's): a test that moves it (`ManualClock`) gets `rearm()` called.
 */
export class TimedSchedulers implements ChangeClassifier {
  private schedulers: TimedConfig[];
  private nightlies: NightlyConfig[];
  private readonly lock = new KeyedMutex();

  constructor(
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly config: MasterConfig,
    private readonly log: Logger,
  ) {
    this.schedulers = config.schedulers.filter(isTimed);
    this.nightlies = this.schedulers.filter((s): s is NightlyConfig => s.type === 'nightly');
  }

  private now(): number {
    return this.timers.clock.now();
  }

  /** Finish fires a crash interrupted, then arm every scheduler's wake-up from its stored deadline. */
  async start(): Promise<void> {
    await this.rearm();
  }

  /**
   * The config was replaced in place (`bb reconfig`): take its periodic and nightly schedulers and
   * arm them. An unchanged one keeps its stored deadline; a changed timing starts a new one.
   */
  async refresh(): Promise<void> {
    this.schedulers = this.config.schedulers.filter(isTimed);
    this.nightlies = this.schedulers.filter((s): s is NightlyConfig => s.type === 'nightly');
    await this.rearm();
  }

  /** Arm every wake-up again from the stored deadlines and the clock (start, and tests that moved the clock). */
  async rearm(): Promise<void> {
    for (const s of this.schedulers) await this.lock.run(s.name, () => this.resume(s));
  }

  /** The nightly schedulers' part of the classifier pass. */
  classify(change: Change, disabled: ReadonlySet<string>): PendingEntry[] {
    return this.nightlies
      .filter((s) => !disabled.has(s.name) && nightlyWantsChange(s, change))
      .map((s) => ({ scheduler: s.name, branch: s.branch, changeId: change.id, important: isImportant(s, change) }));
  }

  /** The stored clock of every periodic and nightly scheduler (for `bb scheduler list`). */
  async states(): Promise<Map<string, TimedState>> {
    const out = new Map<string, TimedState>();
    for (const s of this.schedulers) out.set(s.name, await this.store.timed.read(s.name));
    return out;
  }

  /** A wake-up ran. Returns the BuildSet made, or null. */
  async fire(t: TimerData['timed'], jobId: string): Promise<number | null> {
    const s = this.schedulers.find((x) => x.name === t.scheduler);
    if (!s) {
      this.log.warn({ scheduler: t.scheduler }, 'timer for a scheduler no longer configured');
      return null;
    }
    return this.lock.run(s.name, async () => {
      const owned = await this.timers.release('timed', s.name, jobId);
      const state = await this.store.timed.read(s.name);
      const now = this.now();
      if (state.next !== t.at || state.spec !== specOf(s)) {
        if (owned) await this.resume(s);
        return null;
      }
      if (now < t.at - EARLY_MS) {
        await this.arm(s, t.at);
        return null;
      }
      const next = following(s, t.at, now);
      if (!(await this.store.schedulers.isEnabled(s.name))) {
        await this.store.timed.setNext(s.name, specOf(s), next);
        this.log.info({ scheduler: s.name, next: new Date(next).toISOString() }, 'scheduler disabled: fire skipped');
        await this.arm(s, next);
        return null;
      }
      const firing = await this.store.timed.beginFire(s.name, { at: t.at, next, spec: specOf(s), ...(s.type === 'nightly' ? { branch: s.branch } : {}) });
      const id = await this.complete(s, firing);
      await this.arm(s, next);
      return id;
    });
  }

  private async resume(s: TimedConfig): Promise<void> {
    const firing = await this.store.timed.readFiring(s.name);
    if (firing) {
      this.log.info({ scheduler: s.name, at: new Date(firing.at).toISOString() }, 'finishing an interrupted fire');
      await this.complete(s, firing);
    }
    const state = await this.store.timed.read(s.name);
    const spec = specOf(s);
    let next = state.next;
    if (next === undefined || state.spec !== spec) {
      next = firstFire(s, state, this.now());
      await this.store.timed.setNext(s.name, spec, next);
    }
    await this.arm(s, next);
  }

  private async arm(s: TimedConfig, at: number): Promise<void> {
    await this.timers.arm('timed', s.name, { scheduler: s.name, at }, at);
    this.log.debug({ scheduler: s.name, at: new Date(at).toISOString() }, 'timed scheduler armed');
  }

  /** Turn a begun fire into a BuildSet (or, for a nightly with nothing important, into nothing). */
  private async complete(s: TimedConfig, firing: Firing): Promise<number | null> {
    const entries = await this.store.timed.taken(firing);
    if (s.type === 'nightly' && s.onlyIfChanged && !entries.some((e) => e.endsWith(':i'))) {
      await this.store.timed.abandonFire(s.name, s.branch, firing, entries);
      this.log.info({ scheduler: s.name, waiting: entries.length }, 'nightly: no important change since the last build, skipped');
      return null;
    }
    const changes = await this.store.getChanges(entries.map((e) => Number(e.slice(0, e.indexOf(':')))));
    const branch = s.branch ?? latestSourceStamp(this.config, undefined).branch;
    const sourcestamp = changes.length && branch ? sourceStampFor(changes, branch) : latestSourceStamp(this.config, branch);
    const flag = s.type === 'nightly' ? { is_nightly: true } : { is_periodic: true };
    const { buildset } = await this.store.createBuildSet({
      reason: s.reason ?? `${s.name}: ${s.type} build${changes.length ? ` with ${changes.length} change${changes.length === 1 ? '' : 's'}` : ''}`,
      scheduler: s.name,
      sourcestamp,
      builders: s.builders,
      properties: { ...this.config.properties, ...s.properties, scheduler: s.name, ...flag },
      priority: (builder) => priorityFor(s.priority, builder, changes),
      consume: this.store.timed.consumed(s.name, firing),
    });
    await this.store.timed.recordBuild(s.name, firing.at, buildset.id);
    this.log.info({ scheduler: s.name, type: s.type, buildsetId: buildset.id, changes: changes.length }, 'timed scheduler: buildset created');
    return buildset.id;
  }
}
