import type { Store } from '../data/store.js';
import type { Guardrail } from '../data/guardrails.js';
import { currentLeader, liveMasters } from '../data/lease.js';
import { lastPrune } from '../data/retention.js';

/** The leading master (host, pid, fencing token, since when it leads), what its start-up guardrails said, and the last retention pass. */
export interface MasterStatus {
  master: { host: string; pid: number; token: string; started: number; since: number; seen: number } | null;
  /** Masters standing by (heard from within 3 lease TTLs). */
  standby: Array<{ host: string; pid: number; started: number; seen: number }>;
  guardrails: Guardrail[];
  lastPrune: Awaited<ReturnType<typeof lastPrune>>;
}

export async function masterStatus(store: Store): Promise<MasterStatus> {
  const holder = await currentLeader(store);
  return {
    master: holder && { host: holder.host, pid: holder.pid, token: holder.token, started: holder.started, since: holder.since, seen: holder.seen },
    standby: (await liveMasters(store))
      .filter((m) => m.role === 'standby' && !(holder && m.host === holder.host && m.pid === holder.pid))
      .map(({ host, pid, started, seen }) => ({ host, pid, started, seen })),
    guardrails: holder?.warnings ?? [],
    lastPrune: await lastPrune(store),
  };
}

export function formatMasterStatus(s: MasterStatus): string {
  const m = s.master;
  const lines = [
    m
      ? `master: ${m.host} pid ${m.pid} leads (token ${m.token}) since ${new Date(m.since).toISOString()}, up since ${new Date(m.started).toISOString()}`
      : 'master: none leads (no lease on this prefix)',
  ];
  for (const m of s.standby) lines.push(`standby: ${m.host} pid ${m.pid}, up since ${new Date(m.started).toISOString()}`);
  for (const g of s.guardrails) lines.push(`warning: ${g.message}`);
  const p = s.lastPrune;
  if (p) {
    const n = (k: string) => p.pruned[k] ?? 0;
    const more = [n('problems') ? `${n('problems')} resolved problems` : '', n('hassle') ? `reminder logs of ${n('hassle')}` : '', n('packages') ? `${n('packages')} package records` : '', n('jobs') ? `${n('jobs')} finished jobs` : ''].filter(Boolean);
    lines.push(`retention: last pass ${new Date(p.at).toISOString()} pruned ${n('builds')} builds, logs of ${n('logs')}, ${n('buildsets')} buildsets, ${n('changes')} changes${more.map((m) => `, ${m}`).join('')}`);
  }
  return lines.join('\n');
}
