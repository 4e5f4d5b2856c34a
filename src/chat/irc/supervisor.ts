import { backoffDelay, type BackoffOptions } from './backoff.js';

/** How one connection ended. */
export interface SessionEnd {
  reason: string;
  /** How long it was registered; 0 when it never got that far. */
  registeredMs: number;
}

export interface SupervisorOptions {
  backoff: BackoffOptions;
  /** A session registered at least this long resets the backoff. */
  stableAfterMs: number;
  random: () => number;
  /** Runs one connection; resolves when it has ended. */
  session(attempt: number): Promise<SessionEnd>;
  reconnecting(attempt: number, delayMs: number, last: SessionEnd): void;
}

/**
 * The one owner of reconnection: runs a session, and when it ends (or never connects) waits an
 * exponentially growing, jittered delay and runs the next, forever, until stopped.
 */
export class Supervisor {
  private running = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly o: SupervisorOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** No further sessions; a wait between sessions ends now. Resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const end = await this.o.session(failures);
      if (!this.running) return;
      failures = end.registeredMs >= this.o.stableAfterMs ? 1 : failures + 1;
      const delay = backoffDelay(failures, this.o.backoff, this.o.random);
      this.o.reconnecting(failures, delay, end);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, delay);
      });
      this.wake = null;
      this.timer = null;
    }
  }
}
