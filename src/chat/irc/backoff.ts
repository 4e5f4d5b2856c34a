export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Longest delay; reached by doubling. */
  maxMs: number;
  /** Fraction (0–1) of each delay that is random, so many bots do not retry in step. */
  jitter: number;
}

/** Delay before reconnect attempt `attempt` (1, 2, …): doubling from `initialMs` up to `maxMs`, less a random part. */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  const jitter = Math.min(Math.max(o.jitter, 0), 1);
  return Math.round(base * (1 - jitter * random()));
}
