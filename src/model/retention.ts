/** Retention rules (the config's `retention`, src/config/retention.ts; applied by src/data/prune.ts). Pure types. */

/** A record goes once older than `maxAge` (ms) and not among the newest `keepLast`. */
export interface RetentionRule {
  maxAge: number;
  keepLast: number;
}

/** Per kind of history; `false` keeps that kind forever. */
export interface RetentionPolicy {
  builds: RetentionRule | false;
  logs: RetentionRule | false;
  changes: RetentionRule | false;
  buildsets: RetentionRule | false;
  /** How often the master runs a pass (ms). */
  every: number;
  /** Records examined per slice. */
  slice: number;
}

/** `false`: retention off, everything kept. */
export type RetentionConfig = RetentionPolicy | false;
