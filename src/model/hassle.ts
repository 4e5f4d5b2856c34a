/** The hassler's records (src/problems/hassler.ts). Pure types. */

/** A reminder to one person held back by their quiet hours. */
export interface HeldReminder {
  step: string;
  user: string;
  /** When their quiet hours end (epoch ms). */
  at: number;
}

export interface HassleState {
  problemId: number;
  /** When the ladder started (the Problem confirmed), epoch ms. */
  base: number;
  /** Index of the next ladder step. */
  next: number;
  /** When the step before `next` ran. */
  lastRunAt?: number;
  held: HeldReminder[];
  /** The interested were told the Problem started. */
  startTold: boolean;
  /** The Problem resolved or turned flaky (and the ending was told), or is gone: nothing more to do. */
  ended?: boolean;
}

/** One line of the audit: a reminder sent (or why not). */
export interface HassleEntry {
  at: number;
  /** `L1`… a level, `R1`… a repeat, `start`, `end`. */
  step: string;
  /** bb user, or a channel target for a mention. */
  to: string;
  /** How it went out: `irc`, `matrix`, `shell`, `email`, `channel`, or `none`. */
  via: string;
  /** `sent`, `held` (quiet hours), `superseded` (a held one a later level overtook), `paused` (ack/snooze), `capped`, `failed`, `undeliverable`. */
  outcome: 'sent' | 'held' | 'superseded' | 'paused' | 'capped' | 'failed' | 'undeliverable';
  note?: string;
}
