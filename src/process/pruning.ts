import type { Logger } from '../log.js';
import type { RetentionConfig } from '../model/retention.js';
import type { Store } from '../data/store.js';
import type { MasterQueues } from '../queue/master-queues.js';
import { Pruner, PruneStopped, type JobsCleaner, type PruneOptions, type PruneReport } from '../data/prune.js';

/** The master's background retention: a pass shortly after start, then every `retention.every`. */
export class BackgroundPruning {
  private readonly pruner?: Pruner;
  private readonly jobs?: JobsCleaner;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private pass?: Promise<unknown>;

  constructor(
    store: Store,
    private readonly policy: RetentionConfig,
    private readonly log: Logger,
    now?: () => number,
    /** The master's queues: each pass cleans BullMQ's finished-job history too (`retention.jobs`). */
    queues?: Pick<MasterQueues, 'cleanHistory'>,
  ) {
    if (policy) this.pruner = new Pruner(store, policy, now);
    const rules = policy ? policy.jobs : false;
    if (queues && rules) this.jobs = (dry) => queues.cleanHistory(rules, dry);
  }

  start(firstAfterMs = 30_000): void {
    if (!this.policy) {
      this.log.info('retention is off (retention: false): history is kept forever');
      return;
    }
    this.schedule(firstAfterMs);
  }

  /** One pass now (`bb prune` runs its own; tests call this). */
  async runNow(opts: PruneOptions = {}): Promise<PruneReport> {
    if (!this.pruner) throw new Error('retention is off (retention: false)');
    const p = this.pruner.run({ pauseMs: 2, ...(this.jobs ? { jobs: this.jobs } : {}), ...opts, stopped: () => this.stopping });
    this.pass = p.catch(() => undefined);
    return p;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
  }

  private schedule(ms: number): void {
    if (this.stopping || !this.policy) return;
    this.timer = setTimeout(() => {
      this.runNow()
        .then((r) => {
          const total = Object.values(r.pruned).reduce((a, b) => a + b, 0);
          if (total) this.log.info({ pruned: r.pruned, requests: r.requests, keys: r.keys, kept: r.kept }, 'retention pass');
        })
        .catch((err: unknown) => {
          if (!(err instanceof PruneStopped)) this.log.warn({ err }, 'retention pass failed; trying again at the next');
        })
        .finally(() => this.policy && this.schedule(this.policy.every));
    }, ms);
    this.timer.unref();
  }
}
