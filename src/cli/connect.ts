import type { Command } from 'commander';
import type { Store } from '../data/store.js';
import { CliError } from './connect-error.js';

export { CliError };

export interface ConnOptions {
  redis?: string;
  prefix?: string;
}

/** Options every command that talks to a running bb takes. */
export function addConnOptions(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix of the bb installation (default: $BB_PREFIX or "bb")');
}

export function connUrl(o: ConnOptions): string {
  return o.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function connPrefix(o: ConnOptions): string {
  return o.prefix ?? process.env.BB_PREFIX ?? 'bb';
}

/** A read-only view of the store for CLI commands. Fails fast when Redis is not there. */
export async function openStore(o: ConnOptions): Promise<{ store: Store; close(): void }> {
  // Loaded here, not at the top: commands that never open the store (sendchange) skip it.
  const { openStore: open, StoreUnreachableError } = await import('../data/connect.js');
  try {
    const store = await open(connUrl(o), connPrefix(o));
    return { store, close: () => void store.close() };
  } catch (err) {
    throw err instanceof StoreUnreachableError ? new CliError(`${err.message} (set --redis or REDIS_URL)`) : err;
  }
}
