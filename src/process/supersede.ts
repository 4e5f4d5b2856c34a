import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
import type { MasterConfig } from '../config/schema.js';
import type { Build, BuildRequest, BuildSet } from '../model/build.js';
import type { MasterQueues } from '../queue/master-queues.js';
import { Kicker } from '../util/mutex.js';
import { followsBranch, sameBranch } from './collapse.js';
import { stopBuild, StopError } from './stop.js';
import { shortRev } from '../model/revision.js';

interface Entry {
  request: BuildRequest;
  buildset: BuildSet;
  build?: Build;
}

/**
 * Cancel-superseded (a builder option): when a newer BuildSet for a branch reaches such a builder,
 * the builder's pending requests for older source stamps of that branch end CANCELLED and its
 * running builds of them are stopped (they end CANCELLED and are not retried); each names the
 * newer request in `supersededBy`. Only stamps that follow their branch count (no patch, no
 * revision pinned by hand): a try build or a build of a chosen revision is never superseded.
 *
 * Each pass looks at everything the builder has pending or running, so a master that stopped
 * between storing a BuildSet and cancelling what it superseded catches up on start.
 */
export class Superseder {
  private readonly kicker: Kicker;
  private builders: string[];
  /** Builders to sweep, each with the newest BuildSet that reached it since the last sweep. */
  private readonly dirty = new Map<string, Entry | undefined>();

  constructor(
    private readonly store: Store,
    private readonly queues: MasterQueues,
    private readonly config: MasterConfig,
    private readonly secrets: Map<string, string>,
    private readonly log: Logger,
  ) {
    this.builders = config.builders.filter((b) => b.cancelSuperseded).map((b) => b.name);
    this.kicker = new Kicker(() => this.pass(), (err) => this.log.error({ err }, 'cancelling superseded builds failed'));
  }

  start(): void {
    this.store.bus.on('buildset.new', (buildset, requests) => {
      for (const request of requests) {
        if (!this.builders.includes(request.builder)) continue;
        const prev = this.dirty.get(request.builder);
        if (!prev || prev.buildset.id < buildset.id) this.dirty.set(request.builder, { request, buildset });
      }
      if (this.dirty.size) this.kicker.kick();
    });
    for (const b of this.builders) this.dirty.set(b, undefined);
    this.kicker.kick();
  }

  /** The config was replaced in place (`bb reconfig`): watch its builders with cancelSuperseded, sweeping each once. */
  refresh(): void {
    this.builders = this.config.builders.filter((b) => b.cancelSuperseded).map((b) => b.name);
    for (const b of this.builders) this.dirty.set(b, undefined);
    this.kicker.kick();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  private async pass(): Promise<void> {
    const work = [...this.dirty];
    this.dirty.clear();
    for (const [builder, trigger] of work) await this.sweep(builder, trigger);
  }

  /**
   * Everything the builder has pending or running, grouped by branch; all but the newest BuildSet
   * of each group go. `trigger` is a new BuildSet for the builder, which counts as newest even when
   * its own request has already run.
   */
  async sweep(builder: string, trigger?: Entry): Promise<void> {
    const pendingIds = await this.store.pendingOf(builder, 2000);
    const running = (await this.store.activeBuilds()).filter((b) => b.builder === builder);
    const requests = await this.store.getRequests([...pendingIds, ...running.map((b) => b.requestId)]);
    const sets = new Map((await this.store.getBuildSets([...new Set(requests.map((r) => r.buildsetId))])).map((s) => [s.id, s]));
    const byRequest = new Map(running.map((b) => [b.requestId, b]));
    const groups = new Map<string, Entry[]>();
    for (const request of requests) {
      const buildset = sets.get(request.buildsetId);
      if (!buildset || !followsBranch(buildset.sourcestamp)) continue;
      if (request.state === 'complete' || request.supersededBy !== undefined) continue;
      const ss = buildset.sourcestamp;
      const key = JSON.stringify([ss.repository, ss.branch ?? '', ss.project]);
      const build = byRequest.get(request.id);
      (groups.get(key) ?? groups.set(key, []).get(key)!).push({ request, buildset, ...(build ? { build } : {}) });
    }
    for (const entries of groups.values()) {
      let newest = entries.reduce((a, b) => (b.buildset.id > a.buildset.id ? b : a));
      if (trigger && trigger.buildset.id > newest.buildset.id && followsBranch(trigger.buildset.sourcestamp) && sameBranch(trigger.buildset.sourcestamp, newest.buildset.sourcestamp)) {
        newest = trigger;
      }
      const older = entries.filter((e) => e.buildset.id < newest.buildset.id && !sameRevision(e.buildset, newest.buildset));
      if (!older.length) continue;
      await this.supersede(builder, newest, older);
    }
  }

  private async supersede(builder: string, newest: Entry, older: Entry[]): Promise<void> {
    const ss = newest.buildset.sourcestamp;
    const text = `superseded by buildset ${newest.buildset.id}${ss.branch ? ` on ${ss.branch}` : ''}${ss.revision ? ` at ${shortRev(ss.revision)}` : ''}`;
    const log = this.log.child({ builder, supersededBy: newest.request.id, buildsetId: newest.buildset.id });
    const pending = older.filter((e) => !e.build).map((e) => e.request.id);
    const cancelled = new Set((await this.store.cancelPending(pending, newest.request.id, text)).map((r) => r.id));
    if (cancelled.size) log.info({ requests: [...cancelled] }, 'superseded requests cancelled');
    // A pending one claimed meanwhile has a build now: stop that like the running ones.
    const raced = pending.filter((id) => !cancelled.has(id));
    const builds = [...older.flatMap((e) => (e.build ? [e.build] : [])), ...(await this.latestBuilds(raced))];
    for (const build of builds) {
      if (!(await this.store.markSuperseded(build.requestId, newest.request.id, text))) continue;
      try {
        const { how } = await stopBuild(this.store, this.queues, this.secrets, { v: 1, type: 'stop', builder, number: build.number, owner: 'bb', reason: text });
        log.info({ number: build.number, how }, 'superseded build stopped');
      } catch (err) {
        if (!(err instanceof StopError)) throw err;
        log.info({ number: build.number, why: err.message }, 'superseded build not stopped');
      }
    }
  }

  private async latestBuilds(requestIds: number[]): Promise<Build[]> {
    const reqs = (await this.store.getRequests(requestIds)).filter((r) => r.state === 'claimed' && r.buildIds.length);
    const builds = await this.store.getBuilds(reqs.map((r) => r.buildIds[r.buildIds.length - 1]!));
    return builds.filter((b) => b.state !== 'finished');
  }
}

function sameRevision(a: BuildSet, b: BuildSet): boolean {
  return a.sourcestamp.revision !== undefined && a.sourcestamp.revision === b.sourcestamp.revision;
}
