import type { DisabledRecord, SchedulerSwitch } from '../model/scheduler-switch.js';
import type { Store } from './store.js';

/**
 * Switch a scheduler on or off. The switch lives in Redis, so it survives a master restart.
 * Returns false (and publishes nothing) when it already was in that state.
 */
export async function switchScheduler(store: Store, sw: SchedulerSwitch): Promise<boolean> {
  const key = store.keys.schedDisabled;
  const changed = sw.enabled
    ? (await store.redis.hdel(key, sw.scheduler)) === 1
    : (await store.redis.hsetnx(key, sw.scheduler, JSON.stringify({ by: sw.by, at: sw.at, ...(sw.reason ? { reason: sw.reason } : {}) }))) === 1;
  if (changed) store.bus.emit('scheduler.switched', sw);
  return changed;
}

/** Every switched-off scheduler, with who switched it off. */
export async function disabledSchedulers(store: Store): Promise<Map<string, DisabledRecord>> {
  const raw = await store.redis.hgetall(store.keys.schedDisabled);
  return new Map(Object.entries(raw).map(([name, json]) => [name, JSON.parse(json) as DisabledRecord]));
}

export async function isSchedulerEnabled(store: Store, scheduler: string): Promise<boolean> {
  return (await store.redis.hexists(store.keys.schedDisabled, scheduler)) === 0;
}
