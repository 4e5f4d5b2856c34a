import type { Logger } from './log.js';
import type { MasterConfig } from './config/schema.js';
import type { ChatTuning } from './chat/from-config.js';
import type { LeaseTiming } from './data/lease.js';

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
  /** The clock periodic and nightly schedulers read (epoch ms). Default `Date.now`; tests move a fake one. */
  clock?: () => number;
  /** Leader lease timing (src/data/lease.ts). Default TTL 6 s, renewed every 2 s, a standby tries every 1 s. */
  lease?: Partial<LeaseTiming>;
  /** The config module, read again by `reload()` (`bb reconfig`, SIGHUP). */
  configFile?: string;
}
