import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { BuilderConfig, MasterConfig } from '../config/schema.js';
import type { MasterQueues } from '../queue/master-queues.js';
import { Kicker } from '../util/mutex.js';
import type { ExecutorRegistry } from './executors.js';

/** How long a dispatched job stays valid on an executor's queue. */
const JOB_TTL_MS = 10 * 60_000;

/**
 * Hands pending BuildRequests to executors (Buildbot's BuildRequestDistributor). Requests are
 * taken in one global order, highest priority first and then oldest, and each goes to a connected
 * executor that may run its builder and has a free slot (the one with the most free slots).
 * BullMQ orders jobs only within one queue, so the order across builders is kept here.
 */
export class Distributor {
  private readonly kicker: Kicker;
  private readonly builders: Map<string, BuilderConfig>;
  private readonly warned = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly queues: MasterQueues,
    private readonly registry: ExecutorRegistry,
    private readonly config: MasterConfig,
    private readonly secrets: Map<string, string>,
    private readonly log: Logger,
  ) {
    this.builders = new Map(config.builders.map((b) => [b.name, b]));
    this.kicker = new Kicker(() => this.pass(), (err) => this.log.error({ err }, 'distributing requests failed'));
  }

  start(): void {
    const kick = () => this.kicker.kick();
    this.store.bus.on('request.pending', kick);
    this.store.bus.on('build.finished', kick);
    this.store.bus.on('executor.connected', kick);
    // A safety net for requests written by another process (there is one master, but tools may write).
    this.timer = setInterval(kick, 5_000);
    this.timer.unref();
    this.kicker.kick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  kick(): void {
    this.kicker.kick();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  private async pass(): Promise<void> {
    const pending = await this.store.pendingRequests(2000);
    if (!pending.length) return;
    const executors = await this.registry.connected();
    if (!executors.length) return;
    const load = await this.store.executorLoad(executors.map((e) => e.name));
    const free = new Map(executors.map((e) => [e.name, e.slots - (load.get(e.name) ?? 0)]));
    const offers = new Map(executors.map((e) => [e.name, e.builders]));
    let anyFree = [...free.values()].some((n) => n > 0);
    for (const { builder, requestId } of pending) {
      if (!anyFree) break;
      const cfg = this.builders.get(builder);
      if (!cfg) {
        if (!this.warned.has(builder)) this.log.warn({ builder, requestId }, 'request for a builder no longer configured');
        this.warned.add(builder);
        continue;
      }
      let best: string | undefined;
      for (const name of cfg.executors) {
        const slots = free.get(name) ?? 0;
        const offered = offers.get(name);
        if (slots <= 0 || (offered && !offered.includes(builder))) continue;
        if (best === undefined || slots > (free.get(best) ?? 0)) best = name;
      }
      if (!best) continue;
      const build = await this.store.claimRequest(requestId, best, cfg.steps, { ...this.config.properties, ...cfg.properties });
      if (!build) continue;
      free.set(best, (free.get(best) ?? 0) - 1);
      anyFree = [...free.values()].some((n) => n > 0);
      const log = this.log.child({ buildId: build.id, builder, number: build.number, requestId, executor: best });
      try {
        const now = Date.now();
        await this.queues.dispatch(
          {
            buildId: build.id,
            token: build.token,
            executor: best,
            builder,
            number: build.number,
            workdir: cfg.workdir ?? cfg.name,
            sourcestamp: {
              repository: build.sourcestamp.repository,
              project: build.sourcestamp.project,
              ...(build.sourcestamp.branch ? { branch: build.sourcestamp.branch } : {}),
              ...(build.sourcestamp.revision ? { revision: build.sourcestamp.revision } : {}),
              ...(build.sourcestamp.patch ? { patch: build.sourcestamp.patch } : {}),
            },
            steps: cfg.steps,
            properties: build.properties,
            issuedAt: now,
            expiresAt: now + JOB_TTL_MS,
          },
          this.secrets.get(best) ?? '',
        );
        log.info('build dispatched');
      } catch (err) {
        log.error({ err }, 'dispatch failed');
        await this.store.finishBuild(build.id, null, 'RETRY', 'dispatch failed');
      }
    }
  }
}
