/**
 * What time it is, in ms since the epoch. The master's parts read time only through the clock
 * they are given (MasterOptions.clock), so a unit test can move time instead of waiting for it.
 */
export interface Clock {
  now(): number;
  /**
   * Calls `fn` after a test moved the clock by hand (`ManualClock.set`/`advance`); a real clock
   * never moves by hand and has no `onMove`. Returns a function that stops listening.
   */
  onMove?(fn: () => void): () => void;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** The machine's clock moved `offsetMs` away (a testing aid: `BB_CLOCK_OFFSET_MS`). */
export function offsetClock(offsetMs: number): Clock {
  return { now: () => Date.now() + offsetMs };
}

/**
 * A clock that stands still until it is moved. Whoever listens (a master's timers) re-reads it
 * on every move: due timers fire and early ones are put off. Tests then await `master.settled()`.
 */
export class ManualClock implements Clock {
  private readonly listeners = new Set<() => void>();

  constructor(private at: number) {}

  now(): number {
    return this.at;
  }

  /** Moves the clock to `at` (forward or back) and tells the listeners. */
  set(at: number | string | Date): void {
    this.at = typeof at === 'number' ? at : new Date(at).getTime();
    if (!Number.isFinite(this.at)) throw new Error(`not a time: ${String(at)}`);
    for (const fn of this.listeners) fn();
  }

  /** Moves the clock `ms` forward. */
  advance(ms: number): void {
    this.set(this.at + ms);
  }

  onMove(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
