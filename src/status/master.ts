import type { Store } from '../data/store.js';
import { currentMaster, type Guardrail } from '../data/guardrails.js';
import { lastPrune } from '../data/retention.js';

/** The running master, what its start-up guardrails said, and the last retention pass. */
export interface MasterStatus {
  master: { host: string; pid: number; started: number; seen: number } | null;
  guardrails: Guardrail[];
  lastPrune: Awaited<ReturnType<typeof lastPrune>>;
}

export async function masterStatus(store: Store): Promise<MasterStatus> {
  const holder = await currentMaster(store);
  return {
    master: holder && { host: holder.host, pid: holder.pid, started: holder.started, seen: holder.seen },
    guardrails: holder?.warnings ?? [],
    lastPrune: await lastPrune(store),
  };
}

export function formatMasterStatus(s: MasterStatus): string {
  const lines = [s.master ? `master: ${s.master.host} pid ${s.master.pid}, up since ${new Date(s.master.started).toISOString()}` : 'master: none running (no lease on this prefix)'];
  for (const g of s.guardrails) lines.push(`warning: ${g.message}`);
  const p = s.lastPrune;
  if (p) {
    const n = (k: string) => p.pruned[k] ?? 0;
    const more = [n('problems') ? `${n('problems')} resolved problems` : '', n('hassle') ? `reminder logs of ${n('hassle')}` : '', n('packages') ? `${n('packages')} package records` : '', n('jobs') ? `${n('jobs')} finished jobs` : ''].filter(Boolean);
    lines.push(`retention: last pass ${new Date(p.at).toISOString()} pruned ${n('builds')} builds, logs of ${n('logs')}, ${n('buildsets')} buildsets, ${n('changes')} changes${more.map((m) => `, ${m}`).join('')}`);
  }
  return lines.join('\n');
}
