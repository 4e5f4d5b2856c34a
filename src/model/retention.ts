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
  /** Resolved Problems (with their reminder logs), by time resolved; the newest `keepLast` Problems stay. */
  problems: RetentionRule | false;
  /** Reminder logs (hassle ladder, deliveries, audit) of Problems resolved longer ago than `maxAge`; the Problem stays. */
  hassle: RetentionRule | false;
  /** Package records, by time made; the newest `keepLast` (at least 1) stay. */
  packages: RetentionRule | false;
  /** BullMQ's finished-job history per queue: completed and failed jobs. */
  jobs: { completed: RetentionRule | false; failed: RetentionRule | false } | false;
  /** How often the master runs a pass (ms). */
  every: number;
  /** Records examined per slice. */
  slice: number;
}

/** `false`: retention off, everything kept. */
export type RetentionConfig = RetentionPolicy | false;
