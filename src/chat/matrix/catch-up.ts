import type { MatrixClient } from 'matrix-bot-sdk';
import { MatrixStartError } from './connect.js';
import type { TransportStorage } from './storage.js';

/** Long-poll time of the sync loop once caught up (the SDK's default). */
const LONG_POLL_MS = 30_000;
/** How long start() waits for the catch-up sync. */
const FIRST_SYNC_TIMEOUT_MS = 60_000;

/**
 * Arms the catch-up: the first sync after start is asked for without long-polling, so it holds
 * exactly what happened while the bot was away. Resolves (after `onDone`) once that batch has been
 * handed to the listeners; then the loop long-polls as usual. Call before `client.start()`;
 * `cancel` ends the wait (start failed or the transport stopped).
 */
export function catchUp(
  client: MatrixClient,
  storage: TransportStorage,
  homeserverUrl: string,
  onDone: () => void,
): { done: Promise<void>; cancel(): void } {
  client.syncingTimeout = 0;
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    fail = (err) => {
      clearTimeout(timer);
      storage.onSyncBatchDone = undefined;
      reject(err);
    };
    timer = setTimeout(() => {
      fail(new MatrixStartError(`no sync from Matrix homeserver ${homeserverUrl} within ${FIRST_SYNC_TIMEOUT_MS / 1000} s`));
    }, FIRST_SYNC_TIMEOUT_MS);
    storage.onSyncBatchDone = () => {
      storage.onSyncBatchDone = undefined;
      clearTimeout(timer);
      client.syncingTimeout = LONG_POLL_MS;
      onDone();
      resolve();
    };
  });
  done.catch(() => undefined); // the caller may have stopped waiting; never an unhandled rejection
  return { done, cancel: () => fail(new MatrixStartError('the Matrix transport was stopped while starting')) };
}
