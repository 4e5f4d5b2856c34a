import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import { GuardrailError, judgeRedis, redisFacts, type Guardrail } from '../data/guardrails.js';
import { DEFAULT_LEASE, LeaderLease, type LeaseTiming } from '../data/lease.js';

/**
 * The guardrails a master checks before it writes anything (src/data/guardrails.ts): its Redis
 * (version, eviction, persistence). Every finding is logged; a refusal throws GuardrailError.
 * Returns the master's leader lease (src/data/lease.ts: from now on the store's leader-only writes
 * are fenced) and the warnings it started with.
 */
export async function guardStart(store: Store, allowEviction: boolean, log: Logger, timing: LeaseTiming = DEFAULT_LEASE): Promise<{ lease: LeaderLease; guardrails: Guardrail[] }> {
  const facts = await redisFacts(store);
  const found = judgeRedis(facts, allowEviction);
  for (const g of found) (g.level === 'refuse' ? log.error : log.warn).call(log, { guardrail: g.check, redis: facts.version }, g.message);
  const refused = found.filter((g) => g.level === 'refuse');
  if (refused.length) throw new GuardrailError(refused);
  return { lease: new LeaderLease(store, timing, found), guardrails: found };
}
