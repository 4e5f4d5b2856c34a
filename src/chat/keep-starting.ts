import type { Logger } from '../log.js';
import { backoffDelay, type BackoffOptions } from './irc/backoff.js';
import type { ChatTransport } from './transport.js';

export const START_RETRY: BackoffOptions = { initialMs: 5_000, maxMs: 300_000, jitter: 0.3 };

/**
 * Starts a transport whose start can fail (Matrix: homeserver down, token rejected) and, when it
 * does, tries again with backoff until it works or `cancel` is called. Resolves after the first
 * attempt either way, so one network's trouble never keeps bb from starting.
 */
export async function keepStarting(transport: ChatTransport, log: Logger, backoff: BackoffOptions = START_RETRY): Promise<{ cancel(): void }> {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let attempt = 0;
  const tryOnce = async (): Promise<void> => {
    try {
      await transport.start();
      if (attempt > 0) log.info({ transport: transport.kind, attempt }, 'chat transport started after retrying');
    } catch (err) {
      if (cancelled) return;
      attempt++;
      const delayMs = backoffDelay(attempt, backoff);
      log.error({ err, transport: transport.kind, attempt, delayMs }, 'chat transport failed to start; retrying');
      timer = setTimeout(() => void tryOnce(), delayMs);
    }
  };
  await tryOnce();
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
