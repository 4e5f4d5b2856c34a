import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Tier, TierLine, TierOverride } from '../model/tier.js';

/**
 * Run-time tiers: the config's tier of each builder, overridden by `demote`/`promote` records in
 * Redis. An expired demotion is deleted when it is read (and by the service's timer), so it ends
 * by itself even across restarts.
 */
export class TierOverrides {
  constructor(
    private readonly store: Store,
    private readonly config: () => MasterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  configTier(builder: string): Tier | undefined {
    return this.config().builders.find((b) => b.name === builder)?.tier;
  }

  /** Live overrides by builder; expired ones are deleted and returned in `expired`. */
  async read(): Promise<{ live: Map<string, TierOverride>; expired: TierOverride[] }> {
    const live = new Map<string, TierOverride>();
    const expired: TierOverride[] = [];
    for (const [builder, o] of await this.store.tiers.overrides()) {
      if (o.until !== undefined && o.until <= this.now()) {
        // Only the reader that deletes it reports it, so "promoted by itself" is said once.
        if (await this.store.tiers.clearOverride(builder, this.expiryLine(o))) expired.push(o);
      } else live.set(builder, o);
    }
    return { live, expired };
  }

  /** Builder → tier now, for every configured builder. */
  async tiers(): Promise<{ tiers: Map<string, Tier>; live: Map<string, TierOverride>; expired: TierOverride[] }> {
    const { live, expired } = await this.read();
    const tiers = new Map<string, Tier>();
    for (const b of this.config().builders) tiers.set(b.name, live.get(b.name)?.tier ?? b.tier);
    return { tiers, live, expired };
  }

  /** What an expired demotion's end says, stored with its deletion (one id per demotion). */
  expiryLine(o: TierOverride): TierLine {
    const back = this.configTier(o.builder) === 'supported' ? 'promoted back to supported' : 'back to unsupported, its configured tier';
    return { id: `expired:${o.builder}:${o.at}:${o.until ?? ''}`, text: `${o.builder} ${back}: its demotion by ${o.by} expired.`, builder: o.builder, at: this.now() };
  }

  async set(o: TierOverride, line?: TierLine): Promise<void> {
    await this.store.tiers.setOverride(o, line);
  }

  async clear(builder: string, line?: TierLine): Promise<void> {
    await this.store.tiers.clearOverride(builder, line);
  }
}
