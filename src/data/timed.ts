import type { Firing, TimedState } from '../model/timed.js';
import type { Db } from './db.js';
import type { SchedulerStateRepo } from './schedulers.js';

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/**
 * Periodic and nightly schedulers' clocks (db:timed:<name>) and a fire in progress
 * (db:timed:<name>:firing); a nightly's hand-over of its waiting changes is the schedulers'
 * repository's (their lists), done in the fire's transaction.
 */
export class TimedRepo {
  constructor(
    private readonly db: Db,
    private readonly schedulers: SchedulerStateRepo,
  ) {}

  async read(scheduler: string): Promise<TimedState> {
    const h = await this.db.redis.hgetall(this.db.keys.timed(scheduler));
    const state: TimedState = {};
    if (h.spec !== undefined) state.spec = h.spec;
    for (const k of ['next', 'lastFire', 'lastBuild', 'lastBuildset'] as const) {
      const v = num(h[k]);
      if (v !== undefined) state[k] = v;
    }
    return state;
  }

  async setNext(scheduler: string, spec: string, next: number): Promise<void> {
    await this.db.write((m) => m.hset(this.db.keys.timed(scheduler), { spec, next: String(next) }));
  }

  /**
   * Start a fire in one transaction: the next deadline, the time of this fire, the in-progress
   * record and (a nightly, `branch` given) the hand-over of the changes waiting on its branch. A
   * crash after this leaves the record, and the next start finishes the fire exactly once.
   */
  async beginFire(scheduler: string, f: { at: number; next: number; spec: string; branch?: string }): Promise<Firing> {
    const { keys } = this.db;
    const m = this.db.multi();
    const taking = f.branch !== undefined ? await this.schedulers.handOver(m, scheduler, f.branch, `at${f.at}`) : undefined;
    const firing: Firing = { at: f.at, ...(taking ? { taking } : {}) };
    m.hset(keys.timed(scheduler), { spec: f.spec, next: String(f.next), lastFire: String(f.at) });
    m.set(keys.timedFiring(scheduler), JSON.stringify(firing));
    await m.exec();
    return firing;
  }

  async readFiring(scheduler: string): Promise<Firing | null> {
    return this.db.getJson<Firing>(this.db.keys.timedFiring(scheduler));
  }

  /** The changes a nightly's fire took (`<changeId>:i|u`, in order). */
  async taken(firing: Firing): Promise<string[]> {
    return firing.taking ? this.schedulers.handedOver(firing.taking) : [];
  }

  /** For NewBuildSet.consume: the fire's record and hand-over go with its BuildSet's transaction. */
  consumed(scheduler: string, firing: Firing): string[] {
    return [this.db.keys.timedFiring(scheduler), ...(firing.taking ? [firing.taking] : [])];
  }

  /** A fire that builds nothing: the changes it took go back in front of the branch's list, in order. */
  async abandonFire(scheduler: string, branch: string, firing: Firing, entries: string[]): Promise<void> {
    const m = this.db.multi();
    if (firing.taking) this.schedulers.putBack(m, scheduler, branch, firing.taking, entries);
    m.del(this.db.keys.timedFiring(scheduler));
    await m.exec();
  }

  async recordBuild(scheduler: string, at: number, buildsetId: number): Promise<void> {
    await this.db.write((m) => m.hset(this.db.keys.timed(scheduler), { lastBuild: String(at), lastBuildset: String(buildsetId) }));
  }
}
