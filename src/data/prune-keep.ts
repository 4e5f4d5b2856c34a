import type { Build, BuildRequest, BuildSet } from '../model/build.js';
import type { Store } from './store.js';

/**
 * What retention must never prune, gathered once at the start of a pass (src/data/prune.ts).
 * `builds`: build ids kept whole (record, logs, tests); `buildRecords`: build ids whose record is
 * kept but whose logs may go (package records' vouching and package builds).
 */
export interface KeepSet {
  builds: Set<number>;
  buildRecords: Set<number>;
  /** `builder#number` of package records' vouching builds. */
  buildNumbers: Set<string>;
  buildsets: Set<number>;
  changes: Set<number>;
  /** Builds above this id are not yet handled by the Problem detector. */
  buildsAbove: number;
  /** Changes above this id are not yet classified by the schedulers or matched to users. */
  changesAbove: number;
  /** BuildSets above this id are not yet handled by every dependent scheduler. */
  buildsetsAbove: number;
}

export async function gatherKeep(store: Store): Promise<KeepSet> {
  const keep: KeepSet = {
    builds: new Set(),
    buildRecords: new Set(),
    buildNumbers: new Set(),
    buildsets: new Set(),
    changes: new Set(),
    buildsAbove: await store.problems.cursor(),
    changesAbove: Math.min(await store.schedulerCursor(), await store.users.cursor()),
    buildsetsAbove: Number.MAX_SAFE_INTEGER,
  };
  // Running and dispatched builds, with their requests' BuildSets.
  const active = await store.activeBuilds();
  for (const b of active) keepBuild(keep, b);
  // Pending requests and their BuildSets.
  const pendingIds = await store.requests.allPending();
  for (let i = 0; i < pendingIds.length; i += 500) {
    for (const r of await store.getRequests(pendingIds.slice(i, i + 500))) keep.buildsets.add(r.buildsetId);
  }
  // Open Problems: the builds they name and their confirming rerun.
  const problemBuildIds: number[] = [];
  for (const p of await store.problems.open()) {
    for (const b of p.builders) problemBuildIds.push(b.firstBadBuildId, ...(b.lastGoodBuildId ? [b.lastGoodBuildId] : []), ...(b.fixedByBuildId ? [b.fixedByBuildId] : []));
    if (p.confirmBuildsetId !== undefined) keep.buildsets.add(p.confirmBuildsetId);
  }
  for (const b of await store.getBuilds(problemBuildIds)) keepBuild(keep, b);
  // Package records: their BuildSet, its builds and the vouching builds stay; their logs may go.
  const records = await store.tiers.allPackages();
  for (const r of records) {
    keep.buildsets.add(r.buildsetId);
    for (const v of r.vouchers) keep.buildNumbers.add(v);
  }
  const packageSets = await store.getBuildSets(records.map((r) => r.buildsetId));
  for (const req of await requestsOf(store, packageSets)) for (const id of req.buildIds) keep.buildRecords.add(id);
  // Every kept BuildSet keeps its changes and its builds' records.
  const sets = await store.getBuildSets([...keep.buildsets]);
  for (const bs of sets) for (const c of bs.sourcestamp.changeIds) keep.changes.add(c);
  for (const req of await requestsOf(store, sets)) for (const id of req.buildIds) if (!keep.builds.has(id)) keep.buildRecords.add(id);
  const held = await store.schedulers.retentionHolds();
  for (const c of held.changes) keep.changes.add(c);
  keep.buildsetsAbove = held.buildsetsAbove;
  return keep;
}

function keepBuild(keep: KeepSet, b: Build): void {
  keep.builds.add(b.id);
  keep.buildsets.add(b.buildsetId);
  for (const c of b.sourcestamp.changeIds) keep.changes.add(c);
}

async function requestsOf(store: Store, sets: BuildSet[]): Promise<BuildRequest[]> {
  return store.getRequests(sets.flatMap((s) => s.requestIds));
}
