import type { Firing, TimedState } from '../model/timed.js';
import type { Store } from './store.js';

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export async function readTimed(store: Store, scheduler: string): Promise<TimedState> {
  const h = await store.redis.hgetall(store.keys.timed(scheduler));
  const state: TimedState = {};
  if (h.spec !== undefined) state.spec = h.spec;
  for (const k of ['next', 'lastFire', 'lastBuild', 'lastBuildset'] as const) {
    const v = num(h[k]);
    if (v !== undefined) state[k] = v;
  }
  return state;
}

export async function setTimedNext(store: Store, scheduler: string, spec: string, next: number): Promise<void> {
  await store.redis.hset(store.keys.timed(scheduler), { spec, next: String(next) });
}

/**
 * Start a fire in one transaction: the next deadline, the time of this fire, the in-progress
 * record and (nightly) the hand-over of the pending changes. A crash after this leaves the record,
 * and the next start finishes the fire exactly once.
 */
export async function beginFire(
  store: Store,
  scheduler: string,
  f: { at: number; next: number; spec: string; pending?: string; taking?: string },
): Promise<Firing> {
  const firing: Firing = { at: f.at, ...(f.taking ? { taking: f.taking } : {}) };
  const m = store.redis.multi();
  if (f.pending && f.taking && (await store.redis.exists(f.pending))) m.rename(f.pending, f.taking);
  m.hset(store.keys.timed(scheduler), { spec: f.spec, next: String(f.next), lastFire: String(f.at) });
  m.set(store.keys.timedFiring(scheduler), JSON.stringify(firing));
  await m.exec();
  return firing;
}

export async function readFiring(store: Store, scheduler: string): Promise<Firing | null> {
  const raw = await store.redis.get(store.keys.timedFiring(scheduler));
  return raw ? (JSON.parse(raw) as Firing) : null;
}

/** A fire that builds nothing: the changes it took go back in front of the pending list, in order. */
export async function abandonFire(store: Store, scheduler: string, firing: Firing, pending: string, entries: string[]): Promise<void> {
  const m = store.redis.multi();
  if (entries.length) m.lpush(pending, ...[...entries].reverse());
  if (firing.taking) m.del(firing.taking);
  m.del(store.keys.timedFiring(scheduler));
  await m.exec();
}

export async function recordBuild(store: Store, scheduler: string, at: number, buildsetId: number): Promise<void> {
  await store.redis.hset(store.keys.timed(scheduler), { lastBuild: String(at), lastBuildset: String(buildsetId) });
}
