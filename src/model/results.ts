/**
 * Build and step results, in Buildbot's set. `worst` combines results the way a build combines its
 * steps and a BuildSet combines its builds.
 */
export const RESULTS = ['SUCCESS', 'WARNINGS', 'FAILURE', 'SKIPPED', 'EXCEPTION', 'RETRY', 'CANCELLED'] as const;
export type Result = (typeof RESULTS)[number];

/** From most to least severe when two results are combined. */
const SEVERITY: readonly Result[] = ['RETRY', 'CANCELLED', 'EXCEPTION', 'FAILURE', 'WARNINGS', 'SKIPPED', 'SUCCESS'];

export function worst(a: Result, b: Result): Result {
  for (const r of SEVERITY) if (a === r || b === r) return r;
  return 'SUCCESS';
}

export function worstOf(results: Iterable<Result>, empty: Result = 'SUCCESS'): Result {
  let acc: Result | undefined;
  for (const r of results) acc = acc === undefined ? r : worst(acc, r);
  return acc ?? empty;
}

/** A result that makes a BuildSet fail (and fires its first-failure event). */
export function isFailing(r: Result): boolean {
  return r === 'FAILURE' || r === 'EXCEPTION';
}

/** A result that counts as green for tiers and dependent schedulers. */
export function isGood(r: Result): boolean {
  return r === 'SUCCESS' || r === 'WARNINGS';
}

/** Results that say nothing about the code (retried, cancelled, skipped): never counted as a verdict. */
const UNCOUNTED: ReadonlySet<Result> = new Set<Result>(['RETRY', 'CANCELLED', 'SKIPPED']);

/** A result that counts as a verdict on the code it ran (tiers, Problems, health). */
export function isCounted(r: Result | undefined): r is Result {
  return r !== undefined && !UNCOUNTED.has(r);
}
