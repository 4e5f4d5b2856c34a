import type { Change } from '../model/change.js';

export type PrioritySpec = number | ((builder: string, changes: Change[]) => number);

/** A scheduler's priority for one builder, clamped to -1000…1000 (a function may return anything). */
export function priorityFor(spec: PrioritySpec, builder: string, changes: Change[]): number {
  const raw = typeof spec === 'function' ? spec(builder, changes) : spec;
  if (!Number.isFinite(raw)) return 0;
  return Math.max(-1000, Math.min(1000, Math.round(raw)));
}
