import type { Logger } from './log.js';
import type { MasterConfig } from './config/schema.js';
import type { ChatTuning } from './chat/from-config.js';
import type { LeaseTiming } from './data/lease.js';
import type { Clock } from './util/clock.js';

/** What a Master is made from (src/master.ts). */
export interface MasterOptions {
  config: MasterConfig;
  secrets: Map<string, string>;
  /** Overrides config.redis.url. */
  redisUrl?: string;
  logger?: Logger;
  /** Directory the config's relative paths are resolved against. Default: the working directory. */
  baseDir?: string;
  /** Chat transport options beyond the config's (tests make reconnects fast). */
  chatTuning?: ChatTuning;
  /**
   * The master's clock: every timer (src/model/timers.ts) and every part that reads the time use it.
   * Default the machine's (`systemClock`); unit-level tests pass a `ManualClock` and move it.
   */
  clock?: Clock;
  /** Leader lease timing (src/data/lease.ts), over the config's `leader` (default TTL 6 s, renewed every 2 s, a standby tries every 1 s). */
  lease?: Partial<LeaseTiming>;
  /** The config module, read again by `reload()` (`bb reconfig`, SIGHUP). */
  configFile?: string;
}
