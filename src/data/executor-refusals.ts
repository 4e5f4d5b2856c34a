import type { RefusedExecutor } from '../model/records.js';
import type { Store } from './store.js';
import { dbOf } from './db.js';

/** Records the last refused process under an executor's name (for `bb status`), then publishes it. */
export async function putRefusedExecutor(store: Store, rec: RefusedExecutor): Promise<void> {
  await dbOf(store).redis.set(dbOf(store).keys.executorRefused(rec.name), JSON.stringify(rec));
  store.bus.emit('executor.refused', rec);
}

/** The last refused process of each executor that has one. */
export async function getRefusedExecutors(store: Store, names: string[]): Promise<Map<string, RefusedExecutor>> {
  if (!names.length) return new Map();
  const raw = await dbOf(store).redis.mget(names.map((n) => dbOf(store).keys.executorRefused(n)));
  const out = new Map<string, RefusedExecutor>();
  for (const r of raw) {
    if (!r) continue;
    const rec = JSON.parse(r) as RefusedExecutor;
    out.set(rec.name, rec);
  }
  return out;
}
