/** What `Stopper.until` gives instead of a value once the loop was stopped. */
export const STOPPED: unique symbol = Symbol('stopped');

/**
 * The stop signal of a loop that waits on a Redis connection it closes to stop (a blocking
 * XREAD or BLMOVE). Closing the connection is not enough to end such a wait: ioredis 5 leaves a
 * command that was in flight when the connection dropped pending for ever when `disconnect()`
 * comes while it is reconnecting (redis/ioredis#2197; seen here after a Sentinel failover), so the
 * loop, and whoever awaits it, would never finish. `until` ends the wait at the stop instead.
 */
export class Stopper {
  private fire!: () => void;
  private readonly signal = new Promise<typeof STOPPED>((resolve) => (this.fire = () => resolve(STOPPED)));
  private done = false;

  get stopped(): boolean {
    return this.done;
  }

  stop(): void {
    this.done = true;
    this.fire();
  }

  /**
   * `p`'s value, or STOPPED as soon as `stop()` is called (at once if it was). `p` is left to
   * settle on its own; what it gives then is dropped.
   */
  until<T>(p: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.done) {
      p.catch(() => undefined);
      return Promise.resolve(STOPPED);
    }
    return Promise.race([p, this.signal]);
  }

  /** Waits `ms`, or less if stopped meanwhile. */
  async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await this.until(new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))));
    clearTimeout(timer);
  }
}
