import type { RetentionPolicy } from '../model/retention.js';
import type { Store } from './store.js';
import { gatherKeep } from './prune-keep.js';
import { pruneBuilds, pruneDeferredLogs, pruneLogs } from './prune-builds.js';
import { pruneBuildSets, pruneChanges, pruneHassle, prunePackages, pruneProblems } from './prune-history.js';
import { PRUNE_KINDS, type Pass, type PruneKind, type PruneReport } from './prune-pass.js';

export { MIN_PER_BUILDER } from './prune-pass.js';

export { PRUNE_KINDS, type PruneKind, type PruneReport } from './prune-pass.js';

/** Finished jobs a pass removed (or, dry, would) from BullMQ's queues, per queue (src/queue/job-history.ts). */
export type JobsCleaner = (dryRun: boolean) => Promise<Record<string, number>>;

export interface PruneOptions {
  dryRun?: boolean;
  /** Pause between slices, in ms (the master's background passes leave Redis to others). Default 0. */
  pauseMs?: number;
  /** Checked between slices: true ends the pass there (what went so far stays gone). */
  stopped?: () => boolean;
  /** Cleans BullMQ's job history (`retention.jobs`); the queues are src/queue's, not the store's. */
  jobs?: JobsCleaner;
}

/** A pass ended early by `PruneOptions.stopped`. */
export class PruneStopped extends Error {
  constructor() {
    super('retention pass stopped');
  }
}

/**
 * Retention (src/config/retention.ts): removes old history in slices of `policy.slice` records,
 * yielding between slices. Every read and delete goes through the repository that owns the keys
 * (a slice is one transaction the repositories add their deletes to). What the KeepSet names is
 * never touched, nor the id counters. A record goes only when older than its rule's `maxAge` and
 * not among the newest `keepLast`; records are looked at oldest first.
 */
export class Pruner {
  private running?: Promise<PruneReport>;

  constructor(
    private readonly store: Store,
    private readonly policy: RetentionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** One pass; a pass already under way is awaited rather than run twice. */
  run(opts: PruneOptions = {}): Promise<PruneReport> {
    this.running ??= this.pass(opts).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(opts: PruneOptions): Promise<PruneReport> {
    const at = this.now();
    const zero = () => Object.fromEntries(PRUNE_KINDS.map((k) => [k, 0])) as Record<PruneKind, number>;
    const ranges = Object.fromEntries(PRUNE_KINDS.map((k) => [k, {}])) as PruneReport['ranges'];
    const report: PruneReport = { at, dryRun: !!opts.dryRun, pruned: zero(), requests: 0, keys: 0, kept: zero(), ranges, jobs: {} };
    const p = this.policy;
    const run: Pass = {
      store: this.store,
      now: this.now,
      slice: p.slice,
      keep: null,
      gone: new Set(),
      goneProblems: new Set(),
      report,
      dry: !!opts.dryRun,
      pause: async () => {
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 0));
        if (opts.stopped?.()) throw new PruneStopped();
      },
    };
    // Packages and Problems first: what the keep set names is read after they are settled.
    if (p.packages) await prunePackages(run, p.packages);
    if (p.problems) await pruneProblems(run, p.problems);
    if (p.hassle) await pruneHassle(run, p.hassle);
    if (p.builds || p.logs || p.buildsets || p.changes) {
      run.keep = await gatherKeep(this.store);
      const builders = await this.store.builds.builders();
      if (p.builds) for (const b of builders) await pruneBuilds(run, b, p.builds);
      if (p.logs) {
        await pruneDeferredLogs(run, p.logs);
        for (const b of builders) await pruneLogs(run, b, p.logs);
      }
      if (p.buildsets) await pruneBuildSets(run, p.buildsets);
      if (p.changes) await pruneChanges(run, p.changes);
    }
    if (p.jobs && opts.jobs) {
      for (const [queue, n] of Object.entries(await opts.jobs(run.dry))) {
        report.pruned.jobs += n;
        report.keys += n; // a job is one hash (and a log list when it wrote one)
        if (n) report.jobs[queue] = n;
      }
    }
    if (!run.dry) await this.store.retention.recordPass({ at, pruned: report.pruned, requests: report.requests, keys: report.keys, kept: report.kept });
    return report;
  }
}
