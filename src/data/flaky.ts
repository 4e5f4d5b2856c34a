import type { FlakyRecord } from '../model/problem.js';
import type { Store } from './store.js';
import { dbOf } from './db.js';

/**
 * The flaky memory's store: per builder, a hash of the subjects (tests, or steps of builders
 * without tests) that ever failed there, keyed `<repository>|<project>|<subject key>`; and the
 * set of builders that have one. Pure logic lives in src/problems/flaky.ts.
 */
const k = (store: Store) => dbOf(store).keys.flaky;

export async function flakyRecords(store: Store, builder: string): Promise<Map<string, FlakyRecord>> {
  const raw = await dbOf(store).redis.hgetall(k(store).builder(builder));
  return new Map(Object.entries(raw).map(([field, json]) => [field, JSON.parse(json) as FlakyRecord]));
}

/** Writes the records given (others are left as they are). */
export async function putFlakyRecords(store: Store, builder: string, changed: Map<string, FlakyRecord>): Promise<void> {
  if (!changed.size) return;
  const fields: string[] = [];
  for (const [field, rec] of changed) fields.push(field, JSON.stringify(rec));
  await dbOf(store).redis.multi().hset(k(store).builder(builder), ...fields).sadd(k(store).builders, builder).exec();
}

/** Every builder's records. */
export async function allFlakyRecords(store: Store): Promise<Array<{ builder: string; field: string; record: FlakyRecord }>> {
  const out: Array<{ builder: string; field: string; record: FlakyRecord }> = [];
  for (const builder of (await dbOf(store).redis.smembers(k(store).builders)).sort()) {
    for (const [field, record] of await flakyRecords(store, builder)) out.push({ builder, field, record });
  }
  return out;
}
