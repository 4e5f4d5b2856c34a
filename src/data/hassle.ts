import type { HassleEntry, HassleState } from '../model/hassle.js';
import type { Store } from './store.js';

/**
 * The hassler's state (src/problems/hassler.ts), all under `<prefix>:db:`:
 * - `hassle:<id>`: one Problem's ladder (HassleState, JSON);
 * - `hassle:active`: set of Problem ids with a ladder running or an ending still to tell;
 * - `hassle:<id>:sent`: set of `<step>|<user>|<via>` deliveries made (so a rerun never repeats one);
 * - `hassle:<id>:log`: list of HassleEntry (JSON), oldest first: the audit `problem N` shows;
 * - `hassle:person:<user>`: sorted set of the times reminders reached that person (the daily cap).
 */

const k = (store: Store) => ({
  one: (id: number) => `${store.keys.db}:hassle:${id}`,
  active: `${store.keys.db}:hassle:active`,
  sent: (id: number) => `${store.keys.db}:hassle:${id}:sent`,
  log: (id: number) => `${store.keys.db}:hassle:${id}:log`,
  person: (user: string) => `${store.keys.db}:hassle:person:${user}`,
});

export async function getHassle(store: Store, id: number): Promise<HassleState | null> {
  const raw = await store.redis.get(k(store).one(id));
  return raw ? (JSON.parse(raw) as HassleState) : null;
}

/** Creates the ladder of a Problem unless it has one; true when this call created it. */
export async function createHassle(store: Store, s: HassleState): Promise<boolean> {
  const keys = k(store);
  const made = await store.redis.set(keys.one(s.problemId), JSON.stringify(s), 'NX');
  if (made) await store.redis.sadd(keys.active, String(s.problemId));
  return made === 'OK';
}

export async function putHassle(store: Store, s: HassleState): Promise<void> {
  const keys = k(store);
  const m = store.redis.multi().set(keys.one(s.problemId), JSON.stringify(s));
  if (s.ended) m.srem(keys.active, String(s.problemId));
  else m.sadd(keys.active, String(s.problemId));
  await m.exec();
}

export async function activeHassles(store: Store): Promise<number[]> {
  return (await store.redis.smembers(k(store).active)).map(Number).sort((a, b) => a - b);
}

export async function wasSent(store: Store, id: number, marker: string): Promise<boolean> {
  return (await store.redis.sismember(k(store).sent(id), marker)) === 1;
}

/** Records a delivery: its marker (when it went out), the audit line, and the person's count. */
export async function recordHassle(store: Store, id: number, entry: HassleEntry, marker?: string, person?: string): Promise<void> {
  const keys = k(store);
  const m = store.redis.multi().rpush(keys.log(id), JSON.stringify(entry));
  if (marker) m.sadd(keys.sent(id), marker);
  if (person) m.zadd(keys.person(person), entry.at, `${id}|${entry.step}|${entry.via}|${entry.at}`).zremrangebyscore(keys.person(person), '-inf', entry.at - 86_400_000);
  await m.exec();
  store.bus.emit('hassle.recorded', id, entry);
}

export async function hassleLog(store: Store, id: number): Promise<HassleEntry[]> {
  return (await store.redis.lrange(k(store).log(id), 0, -1)).map((r) => JSON.parse(r) as HassleEntry);
}

/** Reminders that reached `user` in the 24 hours before `at`. */
export async function remindersInDay(store: Store, user: string, at: number): Promise<number> {
  return store.redis.zcount(k(store).person(user), at - 86_400_000, '+inf');
}
