import type { Clock } from '../util/clock.js';

/**
 * The master's timers, one interface for all of them: each fires once at a deadline read on the
 * master's clock, and the deadline is kept in Redis (a delayed job), so a restarted master fires
 * it, late if it was down at the time, never lost and never twice.
 *
 * | kind | key | fires |
 * |---|---|---|
 * | `tree-stable` | scheduler and branch | the quiet period after the last important change ended: one BuildSet |
 * | `timed` | scheduler | a periodic or nightly scheduler's next build |
 * | `hassle` | Problem id | the next step of a Problem's reminder ladder (or the end of a snooze or an ack's pause) |
 * | `tier-expiry` | (one) | the earliest end of a demotion given `for` a time |
 *
 * A fire decides from what is stored, never from its job's data alone: arming is BullMQ's add,
 * which no fence guards, so an old leader that lost the lead may add a timer late, and the new
 * leader runs it (test/integration/failover-late-timer.test.ts). A tree-stable fire whose key is
 * held by a later timer does nothing; a timed fire for a deadline no longer stored re-arms the
 * stored one.
 *
 * Not timers in this sense: the periodic checks that re-read state from Redis and lose nothing if
 * a master dies between two (the sweep of suspected Problems, demotion suggestions, the executor
 * watchdog, the distributor's kick, the retention pass, the leader's lease). They run on the
 * machine's time; a test that moves the master's clock gets the sweep and the suggestions run.
 */
export interface TimerData {
  'tree-stable': { scheduler: string; branch: string; at?: number };
  timed: { scheduler: string; at: number };
  hassle: { problem: number; at: number };
  'tier-expiry': { at: number };
}

export type TimerKind = keyof TimerData;

export const TIMER_KINDS: readonly TimerKind[] = ['tree-stable', 'timed', 'hassle', 'tier-expiry'];

/** A timer waiting for its deadline. */
export interface ArmedTimer {
  kind: TimerKind;
  /** Which one of its kind: `scheduler~branch`, the scheduler's name, the Problem id, or `tiers`. */
  key: string;
  /** Its deadline by the master's clock (absent for tree-stable timers armed by an older bb). */
  at?: number;
}

export interface Timers {
  /** The master's clock: deadlines are read on it. */
  readonly clock: Clock;
  /**
   * Arms timer `key` of `kind` to fire at `at`. There is one timer per key: a newer call
   * replaces one still waiting. `restart` (tree-stable) also pushes back one whose deadline is
   * still to come however it was armed; without it a due or running one is left alone.
   */
  arm<K extends TimerKind>(kind: K, key: string, data: TimerData[K], at: number, opts?: { restart?: boolean }): Promise<void>;
  /** Whether timer `key` of `kind` is armed and not yet fired. */
  isArmed(kind: TimerKind, key: string): Promise<boolean>;
  /**
   * Called as a timer fires (job `jobId`): lets go of its key, so the next can be armed, and
   * returns true; false when another timer for the key was armed meanwhile.
   */
  release(kind: TimerKind, key: string, jobId: string): Promise<boolean>;
  /** Drops timer `key` of `kind` if it is still waiting. */
  cancel(kind: TimerKind, key: string): Promise<void>;
  /** Every timer waiting for its deadline (tests assert "nothing more will happen" with it). */
  armed(): Promise<ArmedTimer[]>;
}
