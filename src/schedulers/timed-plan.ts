import type { MasterConfig, SchedulerConfig } from '../config/schema.js';
import type { SourceStamp } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { TimedState } from '../model/timed.js';
import { cronExpression, nextNightly } from './cron.js';
import { matchesFilter } from './match.js';

/** When periodic and nightly schedulers fire, and what they build. Pure: the caller passes the time. */

export type PeriodicConfig = Extract<SchedulerConfig, { type: 'periodic' }>;
export type NightlyConfig = Extract<SchedulerConfig, { type: 'nightly' }>;
export type TimedConfig = PeriodicConfig | NightlyConfig;

export function isTimed(s: SchedulerConfig): s is TimedConfig {
  return s.type === 'periodic' || s.type === 'nightly';
}

/** The schedule a stored deadline was computed for; when the config changes it, the deadline is recomputed. */
export function specOf(s: TimedConfig): string {
  return s.type === 'periodic' ? `every ${s.periodicBuildTimer}s` : `${cronExpression(s)} ${s.timezone}`;
}

/**
 * The deadline of a scheduler with none stored (or one computed for another schedule). A periodic
 * scheduler counts from its last fire, and one that never fired fires at once; a nightly takes
 * the next matching time.
 */
export function firstFire(s: TimedConfig, state: TimedState, now: number): number {
  if (s.type === 'nightly') return nextNightly(s, now);
  return state.lastFire !== undefined ? state.lastFire + s.periodicBuildTimer * 1000 : now;
}

/**
 * The deadline after a fire due at `at` and handled at `now`. A periodic scheduler counts from
 * `at`, or from `now` when the fire came a whole period late (a master that was down), so a late
 * master builds once rather than catching up every missed period; a nightly takes the next
 * matching time after both.
 */
export function following(s: TimedConfig, at: number, now: number): number {
  if (s.type === 'nightly') return nextNightly(s, Math.max(at, now));
  const period = s.periodicBuildTimer * 1000;
  return (now - at >= period ? now : at) + period;
}

/** A nightly scheduler records the changes on its branch that pass its filter. */
export function nightlyWantsChange(s: NightlyConfig, change: Change): boolean {
  return change.branch === s.branch && matchesFilter(s.filter, change);
}

/**
 * The tip of a branch, with no changes: the repository that polls the branch (else the first
 * repository). Without a branch, the first repository's first branch.
 */
export function latestSourceStamp(config: MasterConfig, branch: string | undefined): SourceStamp {
  const repo = (branch ? config.repositories.find((r) => r.branches.includes(branch)) : undefined) ?? config.repositories[0];
  const b = branch ?? repo?.branches[0];
  return { repository: repo?.url ?? '', project: repo?.project ?? '', ...(b ? { branch: b } : {}), changeIds: [] };
}
