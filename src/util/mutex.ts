/**
 * Serialises async work per key inside one process: the master's read-modify-write of one record
 * never interleaves with another on the same record.
 */
export class KeyedMutex {
  private tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}

/**
 * Coalesces "please run" requests: while a run is in progress, further kicks schedule exactly one
 * more run after it. Used for the distributor and the schedulers' change classifier.
 */
export class Kicker {
  private running = false;
  private again = false;
  private idle: Array<() => void> = [];

  /**
   * `gapMs`: a run that follows another straight away (kicked during it) waits this long first,
   * so that under a stream of kicks each run takes many at once; a kick when idle runs at once.
   */
  constructor(
    private readonly fn: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly gapMs = 0,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  /** Resolves when no run is in progress or scheduled. */
  settled(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async loop(): Promise<void> {
    for (let first = true; first || this.again; first = false) {
      if (!first && this.gapMs > 0) await new Promise((r) => setTimeout(r, this.gapMs));
      this.again = false;
      try {
        await this.fn();
      } catch (err) {
        this.onError(err);
      }
    }
    this.running = false;
    const waiters = this.idle.splice(0);
    for (const w of waiters) w();
  }
}
