import type { FlakyRecord } from '../model/problem.js';
import type { Store } from './store.js';

// The same as functions of a Store (src/problems/flaky.ts's spelling).

export const flakyRecords = (store: Store, builder: string) => store.flaky.records(builder);
export const putFlakyRecords = (store: Store, builder: string, changed: Map<string, FlakyRecord>) => store.flaky.put(builder, changed);
export const allFlakyRecords = (store: Store) => store.flaky.all();
