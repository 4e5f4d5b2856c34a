import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { isoWeek, sheriffOnDuty } from './sheriff.js';

/** The sheriff on duty now: the one set from chat for this ISO week, else the config's rotation. */
export async function currentSheriff(store: Store, config: MasterConfig, at: number): Promise<string | null> {
  const o = await store.problems.sheriffOverride();
  if (o && o.week === isoWeek(at).label) return o.user;
  return sheriffOnDuty(config.problems.sheriff, at);
}
