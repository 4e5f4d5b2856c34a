import type { Build } from '../model/build.js';
import type { Store } from './store.js';
import type { PassSummary } from './retention-state.js';

/**
 * Reads that tell a pruned record from one that never was (retention, src/data/prune.ts). Build
 * numbers and ids are never reused, so a missing build at or below the builder's pruned mark was
 * pruned.
 */
export function missingBuild(store: Store, builder: string, number: number): Promise<string> {
  return store.builds.missing(builder, number);
}

/** Whether change, BuildSet or Problem `id` was pruned (rather than never stored). */
export function wasPruned(store: Store, kind: 'changes' | 'buildsets' | 'problems', id: number): Promise<boolean> {
  return store.retention.wasPruned(kind, id);
}

/** A line saying a build's logs were pruned, or null when they are there. */
export function logsPrunedNote(b: Build): string | null {
  return b.logsPrunedAt ? `logs of ${b.builder} #${b.number} were pruned on ${new Date(b.logsPrunedAt).toISOString().slice(0, 10)} (retention.logs)` : null;
}

/** The last retention pass the master (or `bb prune`) made, if any. */
export function lastPrune(store: Store): Promise<PassSummary | null> {
  return store.retention.last();
}
