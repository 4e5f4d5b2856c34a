import type { Store } from '../data/store.js';
import type { Tier, TierLine, TreeState } from '../model/tier.js';
import type { ProblemsSource } from './model.js';
import { showRev } from './packages.js';

/** The tree: closed while an admin closed it or a supported builder has an open Problem. */
export class Tree {
  constructor(
    private readonly store: Store,
    private readonly problems: ProblemsSource,
  ) {}

  async state(tiers: Map<string, Tier>): Promise<TreeState> {
    const c = await this.store.tiers.treeClosed();
    const others = await this.withoutHand(tiers);
    if (!c) return others;
    return { open: false, reasons: [`closed by ${c.by}: ${c.reason}`, ...others.reasons], responsible: [...new Set([c.by, ...others.responsible])] };
  }

  /** The tree as it is apart from a hand closure: closed only by open Problems on supported builders. */
  async withoutHand(tiers: Map<string, Tier>): Promise<TreeState> {
    const reasons: string[] = [];
    const responsible = new Set<string>();
    const all = this.problems.openAll ? await this.problems.openAll() : undefined;
    for (const [builder, tier] of tiers) {
      if (tier !== 'supported') continue;
      for (const p of all ? (all.get(builder) ?? []) : await this.problems.openOn(builder)) {
        reasons.push(`problem #${p.id} on ${builder} since ${showRev(p.firstBadRevision)}${p.tests.length ? ` (${p.tests.slice(0, 3).join(', ')}${p.tests.length > 3 ? ` and ${p.tests.length - 3} more` : ''})` : ''}`);
        for (const g of p.guilty) responsible.add(g);
      }
    }
    return { open: reasons.length === 0, reasons, responsible: [...responsible] };
  }

  async close(by: string, reason: string, now: number, line?: TierLine): Promise<void> {
    await this.store.tiers.closeTree({ by, reason, at: now }, line);
  }

  async open(line?: TierLine): Promise<boolean> {
    return this.store.tiers.openTree(line);
  }
}
