import type { Store } from '../data/store.js';
import { testedRevision, type Build } from '../model/build.js';
import type { Tier } from '../model/tier.js';
import { finishedBuilds } from './health.js';
import type { PackageWait } from './model.js';

/** `14:02 UTC`, or `Dec 2 14:02 UTC` when not today. */
export function clock(ms: number, now: number): string {
  const d = new Date(ms);
  const hm = d.toISOString().slice(11, 16);
  return d.toISOString().slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? `${hm} UTC` : `${d.toUTCString().slice(8, 11)} ${d.getUTCDate()} ${hm} UTC`;
}

/**
 * What packages wait for: the newest revision a supported builder has finished, when it is not
 * packaged yet and some other supported builder has not built it, with why each has not (its
 * executors offline, building it, or waiting in the queue). Empty when nothing waits that way
 * (packaged, halted by a red builder, or no packages builder).
 */
export async function packageWaits(
  store: Store,
  config: { builders: ReadonlyArray<{ name: string; executors: readonly string[] }>; packagesBuilder?: string | undefined },
  tiers: Map<string, Tier>,
  now: number,
): Promise<PackageWait[]> {
  const pkg = config.packagesBuilder;
  if (!pkg) return [];
  const gating = [...tiers].filter(([name, t]) => t === 'supported' && name !== pkg).map(([name]) => name);
  if (gating.length < 2) return [];
  const builds = new Map(await Promise.all(gating.map(async (name) => [name, await finishedBuilds(store, name)] as const)));
  let newest: Build | undefined;
  for (const list of builds.values()) {
    const b = list.find((x) => testedRevision(x));
    if (b && (!newest || (b.finishedAt ?? 0) > (newest.finishedAt ?? 0))) newest = b;
  }
  const rev = newest ? testedRevision(newest) : undefined;
  if (!rev || (await store.tiers.hasPackage(rev))) return [];
  const missing = gating.filter((name) => !builds.get(name)!.some((b) => testedRevision(b) === rev));
  if (!missing.length) return [];
  const active = await store.builds.active();
  const out: PackageWait[] = [];
  for (const builder of missing) {
    const running = active.find((b) => b.builder === builder && !b.sourcestamp.patch);
    if (running) {
      out.push({ revision: rev, builder, why: `building it (${builder} #${running.number})` });
      continue;
    }
    const names = config.builders.find((b) => b.name === builder)?.executors ?? [];
    const records = await store.executors.getMany([...names]);
    const up = records.filter((r) => r.state === 'connected');
    if (up.length) {
      out.push({ revision: rev, builder, why: `queued (${up.map((r) => r.name).join(', ')} busy)` });
      continue;
    }
    const down = names.map((n) => {
      const r = records.find((x) => x.name === n);
      return r ? `executor ${n} ${r.state === 'stopping' ? 'stopping' : 'offline'} since ${clock(r.lastSeen, now)}` : `executor ${n} never connected`;
    });
    out.push({ revision: rev, builder, why: down.join(', ') || 'no executor' });
  }
  return out;
}
