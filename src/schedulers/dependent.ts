import type { Logger } from '../log.js';
import type { MasterConfig, SchedulerConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { BuildSet } from '../model/build.js';
import { isGood } from '../model/results.js';
import { Kicker } from '../util/mutex.js';
import { priorityFor } from './priority.js';

type DependentConfig = Extract<SchedulerConfig, { type: 'dependent' }>;

const BATCH = 500;

/**
 * Dependent schedulers: when a BuildSet of the `upstream` scheduler completes SUCCESS or
 * WARNINGS, the same source stamp (revision and changes) is built again on the dependent's own
 * builders.
 *
 * Each dependent keeps a cursor in Redis: every BuildSet id up to it is handled (another
 * scheduler's, or its upstream's and complete and acted on). Upstream sets above the cursor that
 * have been acted on are listed beside it, written in the same transaction as the downstream
 * BuildSet, so acting is idempotent. On start it subscribes and then reads every BuildSet above the
 * cursor: upstream sets that completed while the master was down are built then. A dependent seen
 * for the first time starts at the newest BuildSet (it does not rebuild history).
 */
export class DependentSchedulers {
  private schedulers: DependentConfig[];
  private readonly kicker: Kicker;

  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
    private readonly log: Logger,
  ) {
    this.schedulers = config.schedulers.filter((s): s is DependentConfig => s.type === 'dependent');
    this.kicker = new Kicker(() => this.catchUp(), (err) => this.log.error({ err }, 'dependent schedulers failed'));
  }

  async start(): Promise<void> {
    this.store.bus.on('buildset.complete', (bs) => {
      if (this.schedulers.some((s) => s.upstream === bs.scheduler)) this.kicker.kick();
    });
    await this.begin();
  }

  /** The config was replaced in place (`bb reconfig`): take its dependent schedulers; a new one starts now. */
  async refresh(): Promise<void> {
    this.schedulers = this.config.schedulers.filter((s): s is DependentConfig => s.type === 'dependent');
    await this.begin();
  }

  private async begin(): Promise<void> {
    if (!this.schedulers.length) return;
    const last = await this.store.lastBuildSetId();
    for (const s of this.schedulers) {
      // First start of this scheduler: begin now. NX keeps an existing cursor.
      await this.store.schedulers.startUpstream(s.name, last);
    }
    this.kicker.kick();
  }

  settled(): Promise<void> {
    return this.kicker.settled();
  }

  /** Act on every complete upstream BuildSet above each cursor, then move the cursors up. */
  private async catchUp(): Promise<void> {
    for (const s of this.schedulers) await this.catchUpOne(s);
  }

  private async catchUpOne(s: DependentConfig): Promise<void> {
    const { cursor, done } = await this.store.schedulers.upstream(s.name);
    let after = cursor;
    let next = cursor;
    let blocked = false;
    for (;;) {
      const ids = await this.store.buildSetIdsAfter(after, BATCH);
      if (!ids.length) break;
      after = ids[ids.length - 1]!;
      for (const bs of await this.store.getBuildSets(ids)) {
        if (bs.scheduler === s.upstream) {
          if (!bs.completeAt) {
            blocked = true; // the cursor waits here; later sets are still acted on, once
            continue;
          }
          if (!done.has(bs.id) && isGood(bs.result ?? 'EXCEPTION')) await this.trigger(s, bs);
        }
        if (!blocked) next = bs.id;
      }
    }
    if (next !== cursor) await this.store.schedulers.advanceUpstream(s.name, next);
  }

  private async trigger(s: DependentConfig, upstream: BuildSet): Promise<void> {
    if (!(await this.store.schedulers.isEnabled(s.name))) {
      // Switched off (bb scheduler disable): the upstream set is passed over, as Buildbot does.
      await this.store.schedulers.passUpstream(s.name, upstream.id);
      this.log.info({ scheduler: s.name, upstream: upstream.id }, 'dependent scheduler is switched off: upstream buildset passed over');
      return;
    }
    const changes = await this.store.getChanges(upstream.sourcestamp.changeIds);
    const { buildset } = await this.store.createBuildSet({
      reason: s.reason ?? `${s.name}: ${upstream.scheduler} buildset ${upstream.id} ended ${upstream.result}`,
      scheduler: s.name,
      sourcestamp: upstream.sourcestamp,
      builders: s.builders,
      properties: { ...this.config.properties, ...s.properties },
      priority: (builder) => priorityFor(s.priority, builder, changes),
      upstreamBuildsetId: upstream.id,
      handled: this.store.schedulers.upstreamHandled(s.name, upstream.id),
    });
    this.log.info({ scheduler: s.name, upstream: upstream.id, buildsetId: buildset.id }, 'upstream succeeded: dependent buildset created');
  }
}
