import type { Store } from '../data/store.js';
import type { MasterConfig } from '../config/schema.js';
import type { TiersApi } from '../tiers/model.js';
import type { Tier, TierOverride } from '../model/tier.js';

/** What the pages read from: the data layer, the config, and the master's tiers service. */
export interface WebContext {
  store: Store;
  config: MasterConfig;
  /** The master's run-time tiers (tree, packages); absent: the pages show the config's tiers. */
  tiers?: TiersApi;
  /** Builder → tier now and the live demotions/promotions, in one read (the master's tier overrides). */
  tierInfo?: () => Promise<{ tiers: Map<string, Tier>; live: Map<string, TierOverride> }>;
  now(): number;
  /**
   * Whether this process writes the builds now (the leading master), so its data events follow
   * them; absent: it does. A standby's pages read builds again instead of trusting its events.
   */
  writesBuilds?: () => boolean;
}

/** A page's answer: HTML (or JSON, or text) and its status. */
export interface PageReply {
  status: number;
  type: 'html' | 'json' | 'text';
  body: string;
}

export const ok = (body: string): PageReply => ({ status: 200, type: 'html', body });
