import type { Build } from '../model/build.js';
import type { RetentionRule } from '../model/retention.js';
import type { Multi } from './db.js';
import type { HistoryIndex, PrunedMark } from './history.js';
import type { KeepSet } from './prune-keep.js';
import type { Store } from './store.js';

export const PRUNE_KINDS = ['builds', 'logs', 'buildsets', 'changes', 'problems', 'hassle', 'packages', 'jobs'] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

/** What one pass pruned (or, dry, would prune), per kind of history. */
export interface PruneReport {
  at: number;
  dryRun: boolean;
  /**
   * Records that went: builds, builds whose logs went, BuildSets (with `requests` requests),
   * changes, resolved Problems, reminder logs of resolved Problems, package records, and BullMQ's
   * finished jobs.
   */
  pruned: Record<PruneKind, number>;
  requests: number;
  /** Redis keys deleted (or that would be). */
  keys: number;
  /** Records due by age and count but kept because something still needs them. */
  kept: Record<PruneKind, number>;
  /** Lowest and highest number that went, per builder (builds, logs) or overall (`*`: ids). */
  ranges: Record<PruneKind, Record<string, [number, number]>>;
  /** Finished jobs that went, per BullMQ queue. */
  jobs: Record<string, number>;
}

/** One retention pass under way (src/data/prune.ts): its report and what it has decided so far. */
export interface Pass {
  store: Store;
  now: () => number;
  /** Records looked at per slice. */
  slice: number;
  /** What must stay (gathered once the Problems and packages passes are done). */
  keep: KeepSet | null;
  /** Builds this pass removed (or, dry, would): the logs step leaves them out. */
  gone: Set<number>;
  /** Problems this pass removed (or, dry, would), reminder logs and all. */
  goneProblems: Set<number>;
  report: PruneReport;
  dry: boolean;
  /** Between slices: yields, and ends the pass when the master stops. */
  pause: () => Promise<void>;
}

/**
 * What becomes of one record: kept (needed: counted), later (not due yet: walk on), young (not due
 * and neither is anything newer: stop here), missing (an index entry without its record: drop the
 * entry), or a Drop.
 */
export type Verdict = 'kept' | 'later' | 'young' | 'missing' | Drop;

export interface Drop {
  /** Queues the owning repositories' deletes; returns how many keys they delete. Runs only for records that go. */
  drop(m: Multi): number;
  /** The number that goes (build number, id) for the report's ranges and the pruned mark, with its range key (builder, or `*`). */
  mark?: number;
  range?: string;
  /** Leave the index entry (the record stays, only part of it goes). */
  keepIndexed?: boolean;
}

/**
 * The one slice loop of retention: walks `index` oldest first over the entries beyond the newest
 * `keepLast`, a slice at a time, one transaction per slice; `judge` says what becomes of each
 * entry. Stops at the first young one. `mark` (when given) is raised to the highest number gone.
 */
export async function sliceOldest<K>(run: Pass, kind: PruneKind, index: HistoryIndex<K>, keepLast: number, mark: PrunedMark | null, judge: (ids: K[]) => Promise<Verdict[]>): Promise<void> {
  let limit = (await index.count()) - keepLast;
  let offset = 0;
  let highest = mark ? await mark.get() : 0;
  while (offset < limit) {
    const ids = await index.slice(offset, Math.min(run.slice, limit - offset));
    if (!ids.length) break;
    const verdicts = await judge(ids);
    const m = run.store.retention.begin();
    let removed = 0;
    let young = false;
    for (const [i, v] of verdicts.entries()) {
      const id = ids[i]!;
      if (v === 'young') {
        young = true;
        break;
      }
      if (v === 'later') continue;
      if (v === 'kept') {
        run.report.kept[kind] += 1;
        continue;
      }
      if (v === 'missing' || !v.keepIndexed) {
        index.unindex(m, id);
        removed += 1;
      }
      if (v === 'missing') continue;
      run.report.keys += v.drop(m);
      run.report.pruned[kind] += 1;
      if (v.mark !== undefined) {
        widen(run.report.ranges[kind], v.range ?? '*', v.mark);
        highest = Math.max(highest, v.mark);
      }
    }
    if (!run.dry && m.length) {
      mark?.set(m, highest);
      await m.exec();
      limit -= removed;
      offset += ids.length - removed;
    } else offset += ids.length;
    if (young) break;
    await run.pause();
  }
}

/**
 * Builds (and logs) kept per builder: `keepLast`, and never fewer than the newest
 * MIN_PER_BUILDER, which the Problem detector compares each new build with.
 */
export const MIN_PER_BUILDER = 5;

export function perBuilder(rule: RetentionRule): number {
  return Math.max(rule.keepLast, MIN_PER_BUILDER);
}

/** When a build counts as made, for its age. */
export function buildTime(b: Build): number {
  return b.finishedAt ?? b.startedAt ?? b.dispatchedAt;
}

export function widen(ranges: Record<string, [number, number]>, key: string, n: number): void {
  const r = ranges[key];
  ranges[key] = r ? [Math.min(r[0], n), Math.max(r[1], n)] : [n, n];
}
