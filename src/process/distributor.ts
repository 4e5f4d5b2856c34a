import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { BuilderConfig, MasterConfig } from '../config/schema.js';
import type { Build } from '../model/build.js';
import type { MasterQueues } from '../queue/master-queues.js';
import { Kicker } from '../util/mutex.js';
import { collapsePlan, collapsible, type PendingEntry } from './collapse.js';
import type { ExecutorRegistry } from './executors.js';

/** How long a dispatched job stays valid on an executor's queue. */
const JOB_TTL_MS = 10 * 60_000;
/** Up to this many builders, a pass reads every builder's pending head with the executors' slots. */
const HEADS_WITH_SLOTS = 64;

/**
 * Hands pending BuildRequests to executors (Buildbot's BuildRequestDistributor). Requests are
 * taken in one global order, highest priority first and then oldest, and each goes to a connected
 * executor that may run its builder and has a free slot (the one with the most free slots).
 * BullMQ orders jobs only within one queue, so the order across builders is kept here.
 *
 * Collapsing happens here, as a request is about to start: when its builder collapses requests,
 * every pending request of the builder compatible with it (see collapse.ts) goes with it, the
 * newest of them runs and the older ones end SKIPPED, all in the claim's transaction.
 */
export class Distributor {
  private readonly kicker: Kicker;
  private builders: Map<string, BuilderConfig>;
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

  /** The config was replaced in place (`bb reconfig`): take its builders (steps, executors, priorities). */
  refresh(): void {
    this.builders = new Map(this.config.builders.map((b) => [b.name, b]));
    this.kicker.kick();
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
    // With few builders, their pending heads are read in the same round trip as the slots (most of
    // them are wanted); with many, only those of builders some executor can take now, after.
    const few = this.builders.size <= HEADS_WITH_SLOTS;
    const { load, busy, heads: read } = await this.store.executorSlots(names, few ? [...this.builders.keys()] : []);
    const free = new Map(executors.map((e) => [e.name, e.slots - (load.get(e.name) ?? 0)]));
    const offers = new Map(executors.map((e) => [e.name, e.builders]));
    const sessions = new Map(executors.map((e) => [e.name, e.session]));
    const jobLists = new Set(executors.filter((e) => e.jobList).map((e) => e.name));

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
    let heads: Map<string, { requestId: number; score: number }>;
    if (few) {
      const wanted = new Set(candidates);
      heads = new Map([...read].filter(([b]) => wanted.has(b)));
    } else heads = await this.store.pendingHeads(candidates);

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
      let requestId = head.requestId;
      let collapse: number[] = [];
      if (best && (cfg.collapseRequests ?? this.config.collapseRequests)) {
        const plan = await this.planCollapse(builder, requestId);
        if (plan) {
          requestId = plan.run.request.id;
          collapse = plan.skip.map((p) => p.request.id);
          this.log.info({ builder, requestId, collapsed: collapse }, 'collapsing requests');
        }
      }
      const build = best ? await this.store.claimRequest(requestId, best, cfg.steps, { ...this.config.properties, ...cfg.properties }, collapse) : null;
      if (best && !build) await this.store.dropStalePending(builder, requestId);
      if (best && build) {
        free.set(best, (free.get(best) ?? 0) - 1);
        if (!busy.has(best)) busy.set(best, new Set());
        busy.get(best)!.add(builder);
        await this.send(build, cfg, best, sessions.get(best) ?? '', jobLists.has(best));
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

  /** The builder's pending requests compatible with `headId`: the newest runs, the rest collapse into it. */
  private async planCollapse(builder: string, headId: number): Promise<{ run: PendingEntry; skip: PendingEntry[] } | null> {
    const ids = await this.store.pendingOf(builder);
    if (ids.length < 2) return null;
    // Most often the head cannot collapse at all (a forced or try build): then read nothing more.
    const headReq = await this.store.getRequest(headId);
    const headSet = headReq ? await this.store.getBuildSet(headReq.buildsetId) : null;
    if (!headSet || !collapsible(headSet)) return null;
    const requests = (await this.store.getRequests(ids)).filter((r) => r.state === 'pending');
    const sets = new Map((await this.store.getBuildSets([...new Set(requests.map((r) => r.buildsetId))])).map((b) => [b.id, b]));
    const entries = requests.flatMap((request): PendingEntry[] => {
      const buildset = sets.get(request.buildsetId);
      return buildset ? [{ request, buildset }] : [];
    });
    const head = entries.find((e) => e.request.id === headId);
    return head ? collapsePlan(head, entries) : null;
  }

  private async send(build: Build, cfg: BuilderConfig, best: string, session: string, jobList: boolean): Promise<void> {
    const log = this.log.child({ buildId: build.id, builder: build.builder, number: build.number, requestId: build.requestId, executor: best });
    try {
      const now = Date.now();
      await this.queues.dispatch(
        {
          buildId: build.id,
          token: build.token,
          executor: best,
          session,
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
        jobList,
      );
      log.info('build dispatched');
    } catch (err) {
      log.error({ err }, 'dispatch failed');
      await this.store.finishBuild(build.id, null, 'RETRY', 'dispatch failed');
    }
  }
}
