import type { Logger } from '../log.js';
import type { Change } from '../model/change.js';
import type { SourceStamp } from '../model/build.js';
import type { ChangeSchedulerConfig, MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { PendingEntry } from '../data/schedulers.js';
import type { TimerData, Timers } from '../model/timers.js';
import { Kicker } from '../util/mutex.js';
import { isImportant, schedulerWantsChange } from './match.js';
import { priorityFor } from './priority.js';

const BATCH = 500;

type TreeStableTimer = TimerData['tree-stable'];

/**
 * Another kind of scheduler that keeps changes (nightly): called for each change in the
 * classifier's pass, it returns the entries it keeps, stored in the transaction that also moves
 * the cursor. `disabled` names the schedulers switched off, which record nothing.
 */
export interface ChangeClassifier {
  classify(change: Change, disabled: ReadonlySet<string>): PendingEntry[];
}

/**
 * The change-driven schedulers (single-branch and any-branch). Each stored Change is classified
 * once, in id order, by every change scheduler: wanted changes wait in a per-branch list in Redis,
 * and an important one (re)arms the branch's tree-stable timer (src/model/timers.ts), whose
 * deadline lives in Redis, so a master restart neither loses nor restarts it. When the timer fires,
 * everything that waited becomes one BuildSet.
 *
 * The classifier keeps a cursor (the highest change id classified), written in the same
 * transaction as the lists, so changes stored while the master was down are caught up on start.
 */
export class ChangeSchedulers {
  private readonly kicker: Kicker;
  private schedulers: ChangeSchedulerConfig[];
  private readonly classifiers: ChangeClassifier[] = [];

  constructor(
    private readonly store: Store,
    private readonly timers: Timers,
    private readonly config: MasterConfig,
    private readonly log: Logger,
  ) {
    this.schedulers = config.schedulers.filter((s): s is ChangeSchedulerConfig => s.type === 'single-branch' || s.type === 'any-branch');
    this.kicker = new Kicker(() => this.classifyPending(), (err) => this.log.error({ err }, 'classifying changes failed'));
  }

  /** Catch up on changes stored while the master was down, and re-arm timers lost to a crash. */
  async start(): Promise<void> {
    this.store.bus.on('change.new', () => this.kicker.kick());
    await this.rearmTimers();
    this.kicker.kick();
  }

  /**
   * The config was replaced in place (`bb reconfig`): take its single- and any-branch schedulers.
   * Timers already armed keep their deadlines; one for a scheduler now gone is dropped when it fires.
   */
  refresh(): void {
    this.schedulers = this.config.schedulers.filter((s): s is ChangeSchedulerConfig => s.type === 'single-branch' || s.type === 'any-branch');
    this.kicker.kick();
  }

  /** Let another scheduler record changes in the same pass; call before start(). */
  addClassifier(c: ChangeClassifier): void {
    this.classifiers.push(c);
  }

  /** A scheduler was switched back on: arm the timers of the changes that waited from before it was off. */
  async resume(scheduler: string): Promise<void> {
    await this.rearmTimers(scheduler);
  }

  kick(): void {
    this.kicker.kick();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  private async classifyPending(): Promise<void> {
    for (;;) {
      const cursor = await this.store.schedulerCursor();
      const ids = await this.store.changeIdsAfter(cursor, BATCH);
      if (!ids.length) return;
      const changes = await this.store.getChanges(ids);
      // A switched-off scheduler ignores the changes that arrive meanwhile (as Buildbot's do).
      const disabled = new Set((await this.store.schedulers.disabled()).keys());
      const arm = new Map<string, TreeStableTimer & { at: number }>();
      const entries: PendingEntry[] = [];
      for (const change of changes) {
        for (const s of this.schedulers) {
          if (disabled.has(s.name) || !schedulerWantsChange(s, change)) continue;
          const important = isImportant(s, change);
          if (!important && s.onlyImportant) continue;
          const branch = change.branch ?? '';
          entries.push({ scheduler: s.name, branch, changeId: change.id, important });
          if (important) arm.set(`${s.name}\n${branch}`, { scheduler: s.name, branch, at: this.timers.clock.now() + s.treeStableTimer * 1000 });
          this.log.debug({ changeId: change.id, scheduler: s.name, branch, important }, 'change classified');
        }
        for (const c of this.classifiers) entries.push(...c.classify(change, disabled));
      }
      await this.store.schedulers.classified(ids[ids.length - 1]!, entries);
      for (const timer of arm.values()) await this.armTimer(timer);
    }
  }

  /** After a crash between storing a change and arming its timer, arm the timer now (never restart a live one). */
  private async rearmTimers(only?: string): Promise<void> {
    for (const s of this.schedulers) {
      if (only !== undefined && s.name !== only) continue;
      for (const { branch, entries } of await this.store.schedulers.waiting(s.name)) {
        if (!entries.some((e) => e.endsWith(':i'))) continue;
        if (!(await this.timers.isArmed('tree-stable', `${s.name}~${branch}`))) {
          this.log.info({ scheduler: s.name, branch }, 're-arming tree-stable timer');
          await this.armTimer({ scheduler: s.name, branch, at: this.timers.clock.now() + s.treeStableTimer * 1000 });
        }
      }
    }
  }

  /** (Re)starts a branch's tree-stable timer: its deadline moves to `at`. */
  private armTimer(t: TreeStableTimer & { at: number }): Promise<void> {
    return this.timers.arm('tree-stable', `${t.scheduler}~${t.branch}`, t, t.at, { restart: true });
  }

  /** A tree-stable timer fired: turn everything that waited on this branch into one BuildSet. */
  async fire(timer: TreeStableTimer, jobId: string): Promise<number | null> {
    const s = this.schedulers.find((x) => x.name === timer.scheduler);
    if (!s) {
      this.log.warn({ scheduler: timer.scheduler }, 'timer for a scheduler no longer configured');
      return null;
    }
    if (!(await this.timers.release('tree-stable', `${timer.scheduler}~${timer.branch}`, jobId))) {
      // Another timer holds the branch's deadline (armed later: a newer change restarted the quiet
      // period), so this one is stale: a job an old leader added after it lost the lead, say. The
      // holder takes what waits when the quiet period really ends.
      this.log.info({ scheduler: s.name, branch: timer.branch, jobId }, 'tree-stable timer superseded by a later one: ignored');
      return null;
    }
    if (!(await this.store.schedulers.isEnabled(s.name))) {
      // Switched off: what waited stays pending; `resume` re-arms it when switched back on.
      this.log.info({ scheduler: s.name, branch: timer.branch }, 'scheduler disabled: timer ignored');
      return null;
    }
    const taken = await this.store.schedulers.take(s.name, timer.branch, jobId);
    if (!taken) return null; // nothing waited: an earlier timer took it all
    const { entries } = taken;
    if (!entries.some((e) => e.endsWith(':i'))) {
      // Only unimportant changes arrived since the last build: they wait for the next important one.
      await this.store.schedulers.giveBack(s.name, timer.branch, taken);
      return null;
    }
    const ids = entries.map((e) => Number(e.slice(0, e.indexOf(':'))));
    const changes = await this.store.getChanges(ids);
    const { buildset } = await this.store.createBuildSet({
      reason: `${s.name}: ${changes.length} change${changes.length === 1 ? '' : 's'}${timer.branch ? ` on ${timer.branch}` : ''}`,
      scheduler: s.name,
      sourcestamp: sourceStampFor(changes, timer.branch),
      builders: s.builders,
      properties: { ...this.config.properties, ...s.properties },
      priority: (builder) => priorityFor(s.priority, builder, changes),
      consume: [taken.handle],
    });
    this.log.info({ scheduler: s.name, branch: timer.branch, buildsetId: buildset.id, changes: ids.length }, 'tree stable: buildset created');
    return buildset.id;
  }
}

/** The newest change names the revision; every change is in the blamelist. */
export function sourceStampFor(changes: Change[], branch: string): SourceStamp {
  const last = changes[changes.length - 1];
  return {
    repository: last?.repository ?? '',
    ...(branch ? { branch } : {}),
    ...(last?.revision ? { revision: last.revision } : {}),
    project: last?.project ?? '',
    changeIds: changes.map((c) => c.id),
  };
}
