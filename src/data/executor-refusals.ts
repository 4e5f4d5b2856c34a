import type { RefusedExecutor } from '../model/records.js';
import type { Store } from './store.js';

// The last refused process of each executor (db:executor:<name>:refused) is the executors
// repository's (src/data/executors.ts); these are its functions of a Store.

/** Records the last refused process under an executor's name (for `bb status`), then publishes it. */
export const putRefusedExecutor = (store: Store, rec: RefusedExecutor) => store.executors.putRefused(rec);

/** The last refused process of each executor that has one. */
export const getRefusedExecutors = (store: Store, names: string[]) => store.executors.refused(names);
