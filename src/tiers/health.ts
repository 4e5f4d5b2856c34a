import type { Store } from '../data/store.js';
import { isCountedBuild, testedRevision, type Build } from '../model/build.js';
import { isGood } from '../model/results.js';
import type { BuilderHealth, Tier } from '../model/tier.js';


/**
 * Finished builds of a builder that say something about the code, newest first (among the last
 * `n`): retried, cancelled and skipped builds are left out, and so are try builds (a patch).
 */
export async function finishedBuilds(store: Store, builder: string, n = 50): Promise<Build[]> {
  return (await store.lastBuilds(builder, n)).filter((b) => isCountedBuild(b) && !b.sourcestamp.patch);
}

/** Green or red now, and since when (the first build of the current streak). */
export async function health(store: Store, builder: string, tier: Tier): Promise<BuilderHealth> {
  const builds = await finishedBuilds(store, builder);
  const latest = builds[0];
  if (!latest) return { builder, tier, state: 'none' };
  const good = isGood(latest.result!);
  let first = latest;
  for (const b of builds) {
    if (isGood(b.result!) !== good) break;
    first = b;
  }
  const rev = testedRevision(first);
  return {
    builder,
    tier,
    state: good ? 'green' : 'red',
    ...(first.finishedAt !== undefined ? { since: first.finishedAt } : {}),
    ...(rev ? { sinceRevision: rev } : {}),
  };
}
