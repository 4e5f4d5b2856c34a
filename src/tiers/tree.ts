import type { Store } from '../data/store.js';
import type { Tier, TreeState } from '../model/tier.js';
import type { ProblemsSource } from './model.js';
import { showRev } from './packages.js';

interface Closed {
  by: string;
  reason: string;
  at: number;
}

/** The tree: closed while an admin closed it or a supported builder has an open Problem. */
export class Tree {
  constructor(
    private readonly store: Store,
    private readonly problems: ProblemsSource,
  ) {}

  async state(tiers: Map<string, Tier>): Promise<TreeState> {
    const reasons: string[] = [];
    const responsible = new Set<string>();
    const json = await this.store.redis.get(this.store.keys.tree);
    if (json) {
      const c = JSON.parse(json) as Closed;
      reasons.push(`closed by ${c.by}: ${c.reason}`);
      responsible.add(c.by);
    }
    const all = this.problems.openAll ? await this.problems.openAll() : undefined;
    for (const [builder, tier] of tiers) {
      if (tier !== 'supported') continue;
      for (const p of all ? (all.get(builder) ?? []) : await this.problems.openOn(builder)) {
        reasons.push(`problem #${p.id} on ${builder} since ${showRev(p.firstBadRevision)}${p.tests.length ? ` (${p.tests.slice(0, 3).join(', ')})` : ''}`);
        for (const g of p.guilty) responsible.add(g);
      }
    }
    return { open: reasons.length === 0, reasons, responsible: [...responsible] };
  }

  async close(by: string, reason: string, now: number): Promise<void> {
    await this.store.redis.set(this.store.keys.tree, JSON.stringify({ by, reason, at: now } satisfies Closed));
  }

  async open(): Promise<boolean> {
    return (await this.store.redis.del(this.store.keys.tree)) === 1;
  }
}
