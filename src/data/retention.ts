import type { Build } from '../model/build.js';
import type { Store } from './store.js';
import type { PruneReport } from './prune.js';
import { dbOf } from './db.js';

/**
 * Reads that tell a pruned record from one that never was (retention, src/data/prune.ts). Build
 * numbers and ids are never reused, so a missing build at or below the builder's pruned mark was
 * pruned.
 */
export async function missingBuild(store: Store, builder: string, number: number): Promise<string> {
  const [pruned, last] = await Promise.all([dbOf(store).redis.get(dbOf(store).keys.builderPruned(builder)), dbOf(store).redis.get(dbOf(store).keys.builderNumber(builder))]);
  if (pruned !== null && number <= Number(pruned)) return `build ${builder} #${number} was pruned (retention.builds)`;
  if (last === null) return `${builder} has no builds yet`;
  return number > Number(last) ? `no build ${builder} #${number} (the last is #${last})` : `no build ${builder} #${number}`;
}

/** Whether change or BuildSet `id` was pruned (rather than never stored). */
export async function wasPruned(store: Store, kind: 'changes' | 'buildsets', id: number): Promise<boolean> {
  const mark = await dbOf(store).redis.hget(dbOf(store).keys.retentionPruned, kind);
  return mark !== null && id <= Number(mark);
}

/** A line saying a build's logs were pruned, or null when they are there. */
export function logsPrunedNote(b: Build): string | null {
  return b.logsPrunedAt ? `logs of ${b.builder} #${b.number} were pruned on ${new Date(b.logsPrunedAt).toISOString().slice(0, 10)} (retention.logs)` : null;
}

/** The last retention pass the master (or `bb prune`) made, if any. */
export async function lastPrune(store: Store): Promise<Pick<PruneReport, 'at' | 'pruned' | 'requests' | 'keys' | 'kept'> | null> {
  const raw = await dbOf(store).redis.get(dbOf(store).keys.retentionLast);
  return raw ? (JSON.parse(raw) as Pick<PruneReport, 'at' | 'pruned' | 'requests' | 'keys' | 'kept'>) : null;
}
