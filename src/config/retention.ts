import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../model/duration.js';
import type { RetentionConfig } from '../model/retention.js';

/** `12h`, `30d`, `2w` → milliseconds (src/model/duration.ts). */
const age = z
  .string()
  .refine((v) => (parseDuration(v) ?? 0) > 0, DURATION_HINT)
  .transform((v) => parseDuration(v)!);

/**
 * One kind of history: a record goes once it is older than `maxAge` AND is not among the newest
 * `keepLast` (per builder for builds and logs, at least 5 there; overall for changes and BuildSets). `false` keeps
 * that kind forever.
 */
function resource(maxAge: string, keepLast: number) {
  return z
    .union([
      z.literal(false),
      z
        .object({
          maxAge: age.prefault(maxAge),
          keepLast: z.number().int().min(0).default(keepLast),
        })
        .strict(),
    ])
    .prefault({});
}

/**
 * History retention (README "State in Redis"). On by default: bb needs Redis with
 * `maxmemory-policy noeviction`, so history that only grows ends in a Redis that refuses every
 * write (builds, changes, chat state alike). The defaults keep what people look back at: a year of
 * build records, a month of logs (logs are most of the memory: up to 20,000 chunks per step), and
 * always the newest builds of every builder however old. `retention: false` keeps everything.
 *
 * Never pruned, whatever the settings: builds that are not finished; anything an open Problem
 * names (its first bad, last good and fixing builds, its confirming BuildSet, their changes);
 * pending requests, their BuildSets and changes; package records' BuildSets and vouching builds
 * (their logs may go); changes the schedulers or the user matcher have not handled yet; builds the
 * Problem detector has not handled yet; BuildSets a dependent scheduler has not handled yet. Build,
 * change and BuildSet numbers are never reused (the counters are never pruned).
 */
export const retentionSchema = z
  .union([
    z.literal(false),
    z
      .object({
        /** Build records (and with them their logs and test results). Default 365d, keeping the last 500 per builder. */
        builds: resource('365d', 500),
        /** Logs and test results of builds whose record stays. Default 30d, keeping the last 50 builds' per builder. */
        logs: resource('30d', 50),
        /** Changes. Default 365d, keeping the newest 1,000. */
        changes: resource('365d', 1000),
        /** BuildSets and their build requests. Default 90d, keeping the newest 1,000. */
        buildsets: resource('90d', 1000),
        /** Resolved Problems and their reminder logs, by when they were resolved. Default 365d, keeping the newest 1,000 Problems. */
        problems: resource('365d', 1000),
        /** Reminder logs of resolved Problems (the Problem stays). Default 90d after resolving, keeping the newest 100 Problems'. */
        hassle: resource('90d', 100),
        /** Package records (the packages list). Default 365d, keeping the newest 100 (never fewer than 1). */
        packages: resource('365d', 100),
        /** BullMQ's finished jobs per queue. Default: completed ones 1d (newest 100 stay), failed ones 7d (newest 1,000 stay). */
        jobs: z
          .union([z.literal(false), z.object({ completed: resource('1d', 100), failed: resource('7d', 1000) }).strict()])
          .prefault({}),
        /** How often the master prunes in the background. Default 1h. */
        every: age.prefault('1h'),
        /** Records examined per slice; the master yields between slices. Default 200. */
        slice: z.number().int().min(1).max(10_000).default(200),
      })
      .strict(),
  ])
  .prefault({});

export type { RetentionConfig, RetentionPolicy, RetentionRule } from '../model/retention.js';

// The schema's output is the model's type.
const _same: (c: z.output<typeof retentionSchema>) => RetentionConfig = (c) => c;
void _same;
