import type { BuildRequest, BuildSet, SourceStamp } from '../model/build.js';

/**
 * Which pending requests may stand in for one another. Pure rules, used by the distributor
 * (collapsing) and by cancel-superseded.
 */

/** Properties that say who asked, not what to build: they do not keep requests apart. */
const BOOKKEEPING_PROPERTIES = new Set(['owner']);

/**
 * A source stamp that follows its branch: no patch, and no revision someone pinned by hand (a
 * revision counts as following the branch when it came from the stamp's changes). Only such
 * stamps collapse or supersede each other: a newer one builds everything an older one would.
 */
export function followsBranch(ss: SourceStamp): boolean {
  if (ss.patch) return false;
  return ss.revision === undefined || ss.changeIds.length > 0;
}

/** The BuildSet's requests may collapse: the stamp follows its branch and the set did not opt out. */
export function collapsible(bs: BuildSet): boolean {
  return bs.collapse !== false && followsBranch(bs.sourcestamp);
}

/** Same repository, branch and project. */
export function sameBranch(a: SourceStamp, b: SourceStamp): boolean {
  return a.repository === b.repository && (a.branch ?? '') === (b.branch ?? '') && a.project === b.project;
}

/** Two BuildSets whose requests of one builder may collapse into each other. */
export function compatible(a: BuildSet, b: BuildSet): boolean {
  return collapsible(a) && collapsible(b) && sameBranch(a.sourcestamp, b.sourcestamp) && propertyKey(a.properties) === propertyKey(b.properties);
}

/** A canonical form of the properties that matter for what is built (keys sorted, bookkeeping left out). */
export function propertyKey(props: Record<string, unknown>): string {
  return canonical(Object.fromEntries(Object.entries(props).filter(([k]) => !BOOKKEEPING_PROPERTIES.has(k))));
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface PendingEntry {
  request: BuildRequest;
  buildset: BuildSet;
}

/**
 * The collapse about to happen when `head` is the builder's next request: every pending request
 * of the builder compatible with it, the newest of which runs while the others end SKIPPED.
 * Returns null when nothing collapses.
 */
export function collapsePlan(head: PendingEntry, pending: PendingEntry[]): { run: PendingEntry; skip: PendingEntry[] } | null {
  if (!collapsible(head.buildset)) return null;
  const group = [head, ...pending.filter((p) => p.request.id !== head.request.id && compatible(head.buildset, p.buildset))];
  if (group.length < 2) return null;
  group.sort((x, y) => x.request.id - y.request.id);
  const run = group[group.length - 1]!;
  return { run, skip: group.slice(0, -1) };
}
