import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { BuilderConfig, MasterConfig } from '../config/schema.js';
import type { Build } from '../model/build.js';
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
    const executors = await this.registry.connected();
    if (!executors.length) return;
    const names = executors.map((e) => e.name);
    const [load, busy] = await Promise.all([this.store.executorLoad(names), this.store.executorBusy(names)]);
    const free = new Map(executors.map((e) => [e.name, e.slots - (load.get(e.name) ?? 0)]));
    const offers = new Map(executors.map((e) => [e.name, e.builders]));

    // An executor runs one build of a builder at a time (they share its work tree).
    const eligible = (builder: string): string[] => {
      const cfg = this.builders.get(builder)!;
      return cfg.executors.filter((name) => {
        const offered = offers.get(name);
        return (free.get(name) ?? 0) > 0 && !busy.get(name)?.has(builder) && (!offered || offered.includes(builder));
      });
    };
    const candidates = [...this.builders.keys()].filter((b) => eligible(b).length > 0);
    if (!candidates.length) return;
    const heads = await this.store.pendingHeads(candidates);

    // Repeatedly take the best head across builders: highest priority, then oldest.
    while (heads.size) {
      let builder: string | undefined;
      let head: { requestId: number; score: number } | undefined;
      for (const [b, h] of heads) if (!head || h.score < head.score) [builder, head] = [b, h];
      if (!builder || !head) break;
      const cfg = this.builders.get(builder)!;
      const options = eligible(builder);
      let best: string | undefined;
      for (const name of options) if (best === undefined || (free.get(name) ?? 0) > (free.get(best) ?? 0)) best = name;
      const requestId = head.requestId;
      const build = best ? await this.store.claimRequest(requestId, best, cfg.steps, { ...this.config.properties, ...cfg.properties }) : null;
      if (best && !build) await this.store.dropStalePending(builder, requestId);
      if (best && build) {
        free.set(best, (free.get(best) ?? 0) - 1);
        if (!busy.has(best)) busy.set(best, new Set());
        busy.get(best)!.add(builder);
        await this.send(build, cfg, best);
      }
      // Refresh this builder's head, or drop it when no executor can take it now.
      heads.delete(builder);
      for (const b of [...heads.keys()]) if (!eligible(b).length) heads.delete(b);
      if (eligible(builder).length) {
        const next = (await this.store.pendingHeads([builder])).get(builder);
        if (next) heads.set(builder, next);
      }
    }
  }

  private async send(build: Build, cfg: BuilderConfig, best: string): Promise<void> {
    const log = this.log.child({ buildId: build.id, builder: build.builder, number: build.number, requestId: build.requestId, executor: best });
    try {
      const now = Date.now();
      await this.queues.dispatch(
        {
          buildId: build.id,
          token: build.token,
          executor: best,
          builder: build.builder,
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
