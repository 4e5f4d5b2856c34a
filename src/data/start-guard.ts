import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import { AnotherMasterError, GuardrailError, judgeRedis, MasterLease, redisFacts, type Guardrail } from '../data/guardrails.js';

/**
 * The guardrails a master checks before it writes anything (src/data/guardrails.ts): its Redis
 * (version, eviction, persistence) and the one-master lease. Every finding is logged; a refusal
 * throws GuardrailError or AnotherMasterError. Returns the lease (released by `master.stop()`) and
 * the warnings it started with.
 */
export async function guardStart(store: Store, allowEviction: boolean, log: Logger): Promise<{ lease: MasterLease; guardrails: Guardrail[] }> {
  const facts = await redisFacts(store);
  const found = judgeRedis(facts, allowEviction);
  for (const g of found) (g.level === 'refuse' ? log.error : log.warn).call(log, { guardrail: g.check, redis: facts.version }, g.message);
  const refused = found.filter((g) => g.level === 'refuse');
  if (refused.length) throw new GuardrailError(refused);
  const lease = new MasterLease(store, {
    onLost: (by) => log.error({ guardrail: 'master', holder: by && { host: by.host, pid: by.pid } }, by ? `another master (host ${by.host}, pid ${by.pid}) took this prefix's lease: two masters are running` : "this master's lease lapsed (Redis unreachable?); taken again"),
  });
  try {
    await lease.acquire(found);
  } catch (err) {
    if (err instanceof AnotherMasterError) log.error({ guardrail: 'master', holder: { host: err.holder.host, pid: err.holder.pid } }, err.message);
    throw err;
  }
  return { lease, guardrails: found };
}
