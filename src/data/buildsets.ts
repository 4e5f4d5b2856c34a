import type { Build, BuildRequest, BuildSet, SourceStamp } from '../model/build.js';
import { isFailing, worstOf } from '../model/results.js';
import type { Db, Multi } from './db.js';
import { zsetHistory, type HistoryIndex } from './history.js';
import { SETTLE_READ_SCRIPT } from './read-scripts.js';
import type { RequestsRepo } from './requests.js';

interface SettleEvents {
  next: BuildSet;
  done: boolean;
}

export interface NewBuildSet {
  reason: string;
  scheduler: string;
  sourcestamp: SourceStamp;
  builders: string[];
  properties: Record<string, unknown>;
  /** One priority for every request, or one per builder. */
  priority: number | ((builder: string) => number);
  /** Scheduler hand-over lists to delete in the same transaction (keys the scheduler repository named). */
  consume?: string[];
  /** False: its requests never collapse (forced builds unless asked). Default true. */
  collapse?: boolean;
  /** The upstream BuildSet that started it (dependent schedulers). */
  upstreamBuildsetId?: number;
  /**
   * A scheduler's record that it acted on something, written in the same transaction as the
   * BuildSet (ZADD key id id), so a restart neither loses nor repeats the action.
   */
  handled?: { key: string; id: number };
  /**
   * More writes of the repository that asked for it, in the same transaction as the BuildSet
   * (src/data only: a package's record, data/tiers.ts), given the BuildSet's id.
   */
  also?: (m: Multi, buildsetId: number) => void;
}

/**
 * BuildSets (db:buildset:<id>, db:buildsets) with their requests, created in one transaction, and
 * settled as their requests complete. Publishes `buildset.new`, `request.pending`,
 * `buildset.complete` (the first failure is stored as `failedAt`).
 */
export class BuildSetsRepo {
  constructor(
    private readonly db: Db,
    private readonly requests: RequestsRepo,
  ) {}

  async create(spec: NewBuildSet): Promise<{ buildset: BuildSet; requests: BuildRequest[] }> {
    const { keys } = this.db;
    const bsId = Number(await this.db.write((m) => m.incr(keys.seq('buildset'))));
    const firstReq = await this.requests.reserveIds(spec.builders.length);
    const submittedAt = this.db.now();
    const requests: BuildRequest[] = spec.builders.map((builder, i) => ({
      id: firstReq + i,
      buildsetId: bsId,
      builder,
      priority: typeof spec.priority === 'function' ? spec.priority(builder) : spec.priority,
      submittedAt,
      state: 'pending',
      buildIds: [],
    }));
    const buildset: BuildSet = {
      id: bsId,
      reason: spec.reason,
      scheduler: spec.scheduler,
      sourcestamp: spec.sourcestamp,
      builders: spec.builders,
      properties: spec.properties,
      submittedAt,
      requestIds: requests.map((r) => r.id),
      ...(spec.collapse === false ? { collapse: false } : {}),
      ...(spec.upstreamBuildsetId !== undefined ? { upstreamBuildsetId: spec.upstreamBuildsetId } : {}),
    };
    const m = this.db.multi();
    m.set(keys.buildset(bsId), JSON.stringify(buildset));
    m.zadd(keys.buildsets, bsId, String(bsId));
    for (const r of requests) {
      this.requests.write(m, r);
      this.requests.enqueue(m, r);
    }
    if (spec.consume?.length) m.del(...spec.consume);
    if (spec.handled) m.zadd(spec.handled.key, spec.handled.id, String(spec.handled.id));
    spec.also?.(m, bsId);
    await m.exec();
    this.db.bus.emit('buildset.new', buildset, requests);
    for (const r of requests) this.db.bus.emit('request.pending', r);
    return { buildset, requests };
  }

  /** The key of BuildSet `id` (for a read script that reads it with others). */
  key(id: number): string {
    return this.db.keys.buildset(id);
  }

  async get(id: number): Promise<BuildSet | null> {
    return this.db.getJson<BuildSet>(this.db.keys.buildset(id));
  }

  async getMany(ids: number[]): Promise<BuildSet[]> {
    return this.db.getJsonMany<BuildSet>(ids.map((id) => this.db.keys.buildset(id)));
  }

  /** Ids of BuildSets after `after`, ascending (at most `limit`). */
  async idsAfter(after: number, limit: number): Promise<number[]> {
    return (await this.db.redis.zrangebyscore(this.db.keys.buildsets, `(${after}`, '+inf', 'LIMIT', 0, limit)).map(Number);
  }

  /** Every BuildSet, oldest first, as retention walks them. */
  history(): HistoryIndex {
    return zsetHistory(this.db, this.db.keys.buildsets);
  }

  /** Deletes a BuildSet record and its requests' (retention; its index entry goes through `history`). Returns the keys deleted. */
  drop(m: Multi, bs: BuildSet, requests: BuildRequest[]): number {
    m.del(this.db.keys.buildset(bs.id));
    return 1 + this.requests.drop(m, bs.requestIds, requests);
  }

  async lastId(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.seq('buildset'))) ?? 0);
  }

  /**
   * End pending requests that a newer BuildSet on the same branch made pointless (cancel-superseded):
   * CANCELLED, `supersededBy` the newer request, out of the pending sets, their BuildSets settled.
   * Returns the requests it ended; one that is no longer pending is left alone.
   */
  async cancelPending(requestIds: number[], supersededBy: number, text: string): Promise<BuildRequest[]> {
    const ids = [...new Set(requestIds)].filter((id) => id !== supersededBy);
    if (!ids.length) return [];
    const ended = await this.requests.withLocks(ids, async () => {
      const now = this.db.now();
      const reqs = (await this.requests.getMany(ids)).filter((r) => r.state === 'pending');
      if (!reqs.length) return [];
      const m = this.db.multi();
      const next = reqs.map((r): BuildRequest => ({ ...r, state: 'complete', result: 'CANCELLED', completeAt: now, supersededBy, text }));
      for (const r of next) {
        this.requests.dequeue(m, r);
        this.requests.write(m, r);
        this.requests.noteSuperseded(m, r);
      }
      await m.exec();
      return next;
    });
    for (const r of ended) await this.settle(r.buildsetId);
    return ended;
  }

  /**
   * A build of a claimed request ended: RETRY puts the request back in line (same place), unless
   * it was superseded meanwhile; any other result completes it and settles its BuildSet.
   */
  async settleRequest(build: Build): Promise<void> {
    // The request and its BuildSet are read together and written in one transaction (their locks
    // taken in that order; nothing takes a request's lock while holding a BuildSet's).
    const settled = await this.db.lock.run(`request:${build.requestId}`, () =>
      this.db.lock.run(`buildset:${build.buildsetId}`, async () => {
        // One round trip for the request, its BuildSet and the BuildSet's other requests.
        const requestKey = this.requests.key(build.requestId);
        const [rawReq, rawBs, ...rawOthers] = (await this.db.readScript(SETTLE_READ_SCRIPT, [requestKey, this.db.keys.buildset(build.buildsetId)], [
          requestKey.slice(0, -String(build.requestId).length),
        ], 'bbSettleRead')) as Array<string | null>;
        const req = rawReq ? (JSON.parse(rawReq) as BuildRequest) : null;
        const bs = rawBs ? (JSON.parse(rawBs) as BuildSet) : null;
        if (!req || req.state !== 'claimed') return null;
        const m = this.db.multi();
        const next = this.nextRequest(m, req, build);
        this.requests.write(m, next);
        let events: SettleEvents | null = null;
        if (next.state === 'complete' && bs && bs.id === req.buildsetId && !bs.completeAt) {
          const others = rawOthers.flatMap((r) => (r ? [JSON.parse(r) as BuildRequest] : []));
          events = this.settled(bs, [...others, next], build);
          if (events) m.set(this.db.keys.buildset(bs.id), JSON.stringify(events.next));
        }
        await m.exec();
        return { req: next, events, bsRead: bs?.id === req.buildsetId };
      }),
    );
    if (!settled) return;
    if (settled.req.state === 'pending') {
      this.db.bus.emit('request.pending', settled.req);
      return;
    }
    // A request whose BuildSet is not the build's (should not happen) settles the usual way.
    if (!settled.bsRead) return this.settle(settled.req.buildsetId, build);
    this.emitSettled(settled.events);
  }

  /** What a claimed request becomes when its build ended (inside the caller's transaction for a retry). */
  private nextRequest(m: Multi, req: BuildRequest, build: Build): BuildRequest {
    if (build.result === 'RETRY' && req.supersededBy !== undefined) {
      // Superseded while it ran: a newer build of the branch is coming, so this one is not retried.
      return { ...req, state: 'complete', result: 'CANCELLED', completeAt: this.db.now() };
    }
    if (build.result === 'RETRY') {
      const next: BuildRequest = { ...req, state: 'pending' };
      this.requests.enqueue(m, next);
      return next;
    }
    return { ...req, state: 'complete', result: build.result, completeAt: this.db.now() };
  }

  /**
   * Settle a BuildSet after one of its requests completed (`build` is the build that ended it, when
   * one did): its first failure (`failedAt`), and completion once every request is complete. Its result
   * is the worst of its requests' results, leaving out requests that collapsed into newer ones (they
   * ran as part of those builds); a BuildSet whose every request collapsed ends SKIPPED.
   */
  async settle(buildsetId: number, build?: Build): Promise<void> {
    const events = await this.db.lock.run(`buildset:${buildsetId}`, async () => {
      const bs = await this.get(buildsetId);
      if (!bs || bs.completeAt) return null;
      const events = this.settled(bs, await this.requests.getMany(bs.requestIds), build);
      if (events) await this.db.write((m) => m.set(this.db.keys.buildset(bs.id), JSON.stringify(events.next)));
      return events;
    });
    this.emitSettled(events);
  }

  /** A BuildSet after one of its requests completed, given all its requests as stored now; null when unchanged. */
  private settled(bs: BuildSet, reqs: BuildRequest[], build?: Build): SettleEvents | null {
    let next: BuildSet = bs;
    const failedNow = !!build && !bs.failedAt && build.result !== undefined && isFailing(build.result);
    if (failedNow) next = { ...next, failedAt: this.db.now() };
    const done = reqs.length === bs.requestIds.length && reqs.every((r) => r.state === 'complete');
    if (done) {
      const counted = reqs.filter((r) => !(r.result === 'SKIPPED' && r.supersededBy !== undefined));
      next = { ...next, completeAt: this.db.now(), result: worstOf(counted.map((r) => r.result ?? 'EXCEPTION'), 'SKIPPED') };
    }
    return next === bs ? null : { next, done };
  }

  private emitSettled(events: SettleEvents | null): void {
    if (!events) return;
    if (events.done) this.db.bus.emit('buildset.complete', events.next);
  }
}
