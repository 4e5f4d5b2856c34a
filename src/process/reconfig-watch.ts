import { hostname } from 'node:os';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';

/** How often a master looks for `bb reconfig` requests. */
const POLL_MS = 500;

/**
 * Every master, leader or standby, answers `bb reconfig` (README "Running several masters"):
 * it reads the requests in db:reconfig (src/data/reconfig.ts) from where it started, reloads its
 * own config file for each (as SIGHUP does) and stores its outcome for the CLI. One at a time; a
 * request is answered once by each master.
 */
export class ReconfigWatch<Outcome> {
  private timer?: NodeJS.Timeout;
  private last = '0-0';
  private running = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly reload: () => Promise<Outcome>,
    private readonly role: () => string,
    private readonly log: Logger,
  ) {}

  /**
   * Marks where this master starts: it answers the requests made after now (it has just read its
   * file). Called before the master's first heartbeat, so that a `bb reconfig` that sees the master
   * running has its request answered.
   */
  async mark(): Promise<void> {
    this.last = await this.store.reconfig.newestId();
  }

  /** Answers requests from the mark on. */
  start(): void {
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.busy;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.busy = this.tick().finally(() => this.schedule());
    }, POLL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let requests;
    try {
      requests = await this.store.reconfig.after(this.last);
    } catch (err) {
      return void this.log.warn({ err }, 'could not read reconfig requests');
    }
    for (const r of requests) {
      if (!this.running) return;
      this.last = r.id;
      this.log.info({ request: r.id, by: r.by }, 'bb reconfig asked: reading the config file again');
      const outcome = await this.reload();
      await this.store.reconfig
        .report(r.id, { host: hostname(), pid: process.pid, role: this.role(), outcome, at: Date.now() })
        .catch((err) => this.log.warn({ err, request: r.id }, 'could not store the reconfig outcome'));
    }
  }
}
