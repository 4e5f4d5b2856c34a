import type { ConfigSummary } from '../model/records.js';
import { formatDuration, formatSpan } from '../model/duration.js';
import type { BuilderHealth, PackageRecord, Tier, TierOverride } from '../model/tier.js';
import type { Store } from '../data/store.js';
import { health } from './health.js';
import { waitingLine, type PackageWait } from './model.js';
import { showRev } from './packages.js';
import { packageWaits } from './waiting.js';

/** How long until `until`, rounded up to the second (never said shorter than it is). */
function left(until: number, now: number): string {
  return formatDuration(Math.ceil(Math.max(0, until - now) / 1000) * 1000);
}

function stateText(h: BuilderHealth, now: number): string {
  if (h.state === 'none') return 'no builds yet';
  return `${h.state}${h.since !== undefined ? ` for ${formatSpan(now - h.since)}` : ''}${h.state === 'red' && h.sinceRevision ? ` (since ${showRev(h.sinceRevision)})` : ''}`;
}

function overrideText(o: TierOverride, now: number): string {
  return `${o.tier === 'unsupported' ? 'demoted' : 'promoted'} by ${o.by}${o.reason ? `: ${o.reason}` : ''}${o.until ? ` (until ${left(o.until, now)} from now)` : ''}`;
}

/** `  mac: red for 2h (since r1003) — demoted by warner: …` */
export function tierLine(h: BuilderHealth, now: number): string {
  return `  ${h.builder}: ${stateText(h, now)}${h.override ? ` — ${overrideText(h.override, now)}` : ''}${h.packages ? ' — the packages builder: never gates' : ''}`;
}

/** Every builder by tier, then what packages wait for (a DM, the CLI). */
export function fullTierLines(list: BuilderHealth[], waits: PackageWait[], now: number): string[] {
  const out: string[] = [];
  for (const tier of ['supported', 'unsupported'] as const) {
    const of = list.filter((h) => h.tier === tier);
    out.push(`${tier}: ${of.length ? '' : 'none'}`.trimEnd(), ...of.map((h) => tierLine(h, now)));
  }
  const w = waitingLine(waits, showRev);
  return w ? [...out, w] : out;
}

function some<T>(items: T[], show: (t: T) => string, max = 3): string {
  const shown = items.slice(0, max).map(show).join('; ');
  return items.length > max ? `${shown}; and ${items.length - max} more` : shown;
}

/**
 * A channel's few lines, complete: counts per tier; the red supported builders and the demotions
 * first; what packages wait for; where the full list is.
 */
export function tierSummary(list: BuilderHealth[], waits: PackageWait[], now: number, botName = 'bb'): string[] {
  // The packages builder never gates: it is left out of the counts whatever its tier.
  const sup = list.filter((h) => h.tier === 'supported' && !h.packages);
  const uns = list.filter((h) => h.tier === 'unsupported' && !h.packages);
  const red = sup.filter((h) => h.state === 'red');
  const demoted = list.filter((h) => h.override?.tier === 'unsupported');
  const green = sup.filter((h) => h.state === 'green').length;
  const out = [
    `${sup.length} supported (${red.length} red, ${green} green${sup.length - red.length - green ? `, ${sup.length - red.length - green} not built yet` : ''}), ${uns.length} unsupported (${demoted.length} demoted).`,
  ];
  if (red.length) out.push(`Red supported: ${some(red, (h) => `${h.builder} ${stateText(h, now).slice(4)}`)}.`);
  if (demoted.length) out.push(`Demoted: ${some(demoted, (h) => `${h.builder} ${overrideText(h.override!, now)}`)}.`);
  const w = waitingLine(waits, showRev);
  if (w) out.push(w);
  out.push(`Every builder: "${botName}: tiers" in a DM, or bb tiers.`);
  return out;
}

/** One line per package: revision, package build, vouchers, when. */
export function packageLines(list: PackageRecord[]): string[] {
  return list.map((p) => {
    const state = p.build ? `package #${p.build.number} ${p.build.result}` : 'package build pending';
    return `${showRev(p.revision)}: ${state}; vouched for by ${p.vouchers.join(', ')} at ${new Date(p.at).toISOString().slice(0, 16).replace('T', ' ')}Z`;
  });
}

/**
 * Tiers as the running master sees them, read-only (the CLI): the summary's configured tiers with
 * the live overrides; an expired demotion counts as over but is left for the master to end and
 * announce.
 */
export async function readTiers(store: Store, summary: ConfigSummary, now: number): Promise<{ list: BuilderHealth[]; waits: PackageWait[] }> {
  const overrides = await store.tiers.overrides();
  const tiers = new Map<string, Tier>();
  const list: BuilderHealth[] = [];
  for (const b of summary.builders) {
    const o = overrides.get(b.name);
    const live = o && (o.until === undefined || o.until > now) ? o : undefined;
    const tier = live?.tier ?? b.tier;
    tiers.set(b.name, tier);
    const h = await health(store, b.name, tier);
    list.push({ ...h, ...(live ? { override: live } : {}), ...(b.name === summary.packagesBuilder ? { packages: true as const } : {}) });
  }
  const waits = await packageWaits(store, { builders: summary.builders, packagesBuilder: summary.packagesBuilder }, tiers, now);
  return { list, waits };
}
