import type { SheriffOverride } from '../model/problem.js';
import type { Problem } from '../model/problem.js';
import type { Store } from './store.js';

/**
 * The write path for Problems: every change is stored, then published on the bus.
 * Keys: db:problem:<id>, db:problems (zset of all), db:problems:open (zset), db:problem-key:<key>,
 * db:problems:cursor, db:problems:sheriff (see keys.ts).
 */
export type ProblemEvent = 'problem.opened' | 'problem.flaky' | 'problem.resolved' | 'problem.changed';

const k = (store: Store) => ({
  seq: `${store.keys.db}:seq:problem`,
  one: (id: number) => `${store.keys.db}:problem:${id}`,
  all: `${store.keys.db}:problems`,
  open: `${store.keys.db}:problems:open`,
  key: (key: string) => `${store.keys.db}:problem-key:${key}`,
  cursor: `${store.keys.db}:problems:cursor`,
  done: `${store.keys.db}:problems:done`,
  sheriff: `${store.keys.db}:problems:sheriff`,
});

/** The tests of a Problem's first failing build (on its first builder), by suite and name: what its test names are told apart within. */
export async function firstBadTests(store: Store, p: Problem): Promise<Array<{ suite: string; name: string }>> {
  const first = p.builders[0];
  if (!first) return [];
  return (await store.getTests(first.firstBadBuildId)).map((t) => ({ suite: t.suite, name: t.name }));
}

export async function getProblem(store: Store, id: number): Promise<Problem | null> {
  const raw = await store.redis.get(k(store).one(id));
  return raw ? (JSON.parse(raw) as Problem) : null;
}

export async function problemByKey(store: Store, key: string): Promise<Problem | null> {
  const id = await store.redis.get(k(store).key(key));
  return id ? getProblem(store, Number(id)) : null;
}

export async function openProblemIds(store: Store): Promise<number[]> {
  return (await store.redis.zrange(k(store).open, 0, -1)).map(Number);
}

export async function listProblems(store: Store, ids: number[]): Promise<Problem[]> {
  if (!ids.length) return [];
  const raw = await store.redis.mget(ids.map((id) => k(store).one(id)));
  return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Problem);
}

export async function openProblems(store: Store): Promise<Problem[]> {
  return listProblems(store, await openProblemIds(store));
}

/** Newest first. */
export async function recentProblems(store: Store, n: number): Promise<Problem[]> {
  const ids = (await store.redis.zrevrange(k(store).all, 0, n - 1)).map(Number);
  return listProblems(store, ids);
}

/** Creates a Problem (id assigned here); `event` is published after the write. */
export async function createProblem(store: Store, fields: Omit<Problem, 'id'>, event?: ProblemEvent, otherKeys: string[] = []): Promise<Problem> {
  const keys = k(store);
  const id = await store.redis.incr(keys.seq);
  const p: Problem = { id, ...fields };
  const m = store.redis.multi().set(keys.one(id), JSON.stringify(p)).zadd(keys.all, id, String(id));
  for (const key of [p.key, ...otherKeys]) m.set(keys.key(key), String(id));
  if (p.state === 'suspected' || p.state === 'confirmed') m.zadd(keys.open, id, String(id));
  await m.exec();
  if (event) store.bus.emit(event, p);
  return p;
}

/** Writes a Problem back (keeping the open index in step); `event` is published after the write. */
export async function putProblem(store: Store, p: Problem, event?: ProblemEvent): Promise<Problem> {
  const keys = k(store);
  const m = store.redis.multi().set(keys.one(p.id), JSON.stringify(p));
  if (p.state === 'suspected' || p.state === 'confirmed') m.zadd(keys.open, p.id, String(p.id));
  else m.zrem(keys.open, String(p.id));
  await m.exec();
  if (event) store.bus.emit(event, p);
  return p;
}

export async function problemsCursor(store: Store): Promise<number> {
  return Number((await store.redis.get(k(store).cursor)) ?? 0);
}

export async function setProblemsCursor(store: Store, buildId: number): Promise<void> {
  await store.redis.set(k(store).cursor, String(buildId));
}

/** Build ids above the cursor already handled (they finished before an older build). */
export async function problemsDoneAbove(store: Store, cursor: number): Promise<Set<number>> {
  return new Set((await store.redis.zrangebyscore(k(store).done, cursor + 1, '+inf')).map(Number));
}

export async function markProblemsDone(store: Store, buildId: number): Promise<void> {
  await store.redis.zadd(k(store).done, buildId, String(buildId));
}

/** Forgets handled ids at or below the cursor. */
export async function trimProblemsDone(store: Store, cursor: number): Promise<void> {
  await store.redis.zremrangebyscore(k(store).done, '-inf', cursor);
}

export async function getSheriffOverride(store: Store): Promise<SheriffOverride | null> {
  const raw = await store.redis.get(k(store).sheriff);
  return raw ? (JSON.parse(raw) as SheriffOverride) : null;
}

export async function setSheriffOverride(store: Store, o: SheriffOverride): Promise<void> {
  await store.redis.set(k(store).sheriff, JSON.stringify(o));
}
