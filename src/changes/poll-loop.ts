/**
 * Runs an async task now and then again `intervalMs` after each run ends, so runs never overlap
 * and a slow run delays the next one. A failed run is reported to `onError` and the loop goes on.
 */
export class PollLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private active = false;
  /** Bumped by every start and stop, so a run that outlives a stop never schedules the next. */
  private generation = 0;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get started(): boolean {
    return this.active;
  }

  /** Starts the loop with a run right away. Starting a started loop does nothing. */
  start(intervalMs: number): void {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new Error(`poll interval must be a positive number of ms, got ${intervalMs}`);
    if (this.active) return;
    this.active = true;
    const gen = ++this.generation;
    const current = (): boolean => this.active && gen === this.generation;
    const tick = (): void => {
      this.timer = undefined;
      const run: Promise<void> = this.task()
        .then(
          () => undefined,
          (err: unknown) => {
            if (current()) this.onError(err);
          },
        )
        .finally(() => {
          if (this.running === run) this.running = undefined;
          if (current()) this.timer = setTimeout(tick, intervalMs);
        });
      this.running = run;
    };
    tick();
  }

  /** Stops scheduling runs; resolves when the run in progress, if any, has ended. */
  async stop(): Promise<void> {
    this.active = false;
    this.generation += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
