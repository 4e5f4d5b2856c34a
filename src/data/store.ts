import type { Redis, ChainableCommander } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Change, ChangeFields } from '../model/change.js';
import { sourceProperties, type Build, type BuildRequest, type BuildSet, type SourceStamp, type StepState, type TestCaseResult } from '../model/build.js';
import { isFailing, worstOf, type Result } from '../model/results.js';
import { stepName, type StepSpec } from '../model/steps.js';
import { Kicker, KeyedMutex } from '../util/mutex.js';
import { DataBus } from './events.js';
import { Keys, pendingMember, pendingScore } from './keys.js';
import type { ConfigSummary, ExecutorRecord } from '../model/records.js';
import type { ExecutorEvent } from '../queue/jobs.js';

/** A build event as the store applies it: an executor's event without its build id and token. */
export type BuildUpdate = DistributiveOmit<
  Extract<ExecutorEvent, { type: 'build-started' | 'step-started' | 'log' | 'step-finished' | 'properties' | 'tests' | 'build-finished' }>,
  'buildId' | 'token'
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface NewBuildSet {
  reason: string;
  scheduler: string;
  sourcestamp: SourceStamp;
  builders: string[];
  properties: Record<string, unknown>;
  /** One priority for every request, or one per builder. */
  priority: number | ((builder: string) => number);
  /** Keys to delete in the same transaction (a scheduler's hand-over list). */
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
}

export interface PollerTips {
  poller: string;
  tips: Record<string, string>;
}

const MAX_LOG_CHUNKS = 20_000;

interface PendingChange {
  fields: ChangeFields;
  key?: string;
  /** How long `key` keeps a second copy out, in seconds. Default 30 days. */
  keyTtlSec?: number;
}

interface ChangeBatch {
  items: PendingChange[];
  tips?: PollerTips;
  resolve(changes: Change[]): void;
  reject(err: unknown): void;
}

/**
 * The single write path. Every state change is one method here that writes Redis (in one
 * MULTI where it touches several keys) and then publishes its event on `bus` with the stored record.
 * Read-modify-write of one record is serialised per record inside the process; bb runs one master.
 */
export class Store {
  readonly keys: Keys;
  readonly bus = new DataBus();
  private readonly lock = new KeyedMutex();
  private readonly changeBatch: ChangeBatch[] = [];
  private readonly changeWriter = new Kicker(
    () => this.writeChanges(),
    () => undefined, // writeChanges hands every error to the callers it concerns
  );

  constructor(
    readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new Keys(prefix);
  }

  // ---- changes ------------------------------------------------------------------------------

  /** Store one Change. With `key`, a second call with the same key stores nothing and returns null. */
  async addChange(fields: ChangeFields, key?: string): Promise<Change | null> {
    const [change] = await this.enqueueChanges([{ fields, ...(key ? { key } : {}) }]);
    return change ?? null;
  }

  /** Store a poller's new commits and its new branch tips in one transaction. */
  async addPolledChanges(list: ChangeFields[], tips: PollerTips): Promise<Change[]> {
    return this.enqueueChanges(
      list.map((fields) => ({ fields, ...(fields.revision ? { key: `poll|${tips.poller}|${fields.branch ?? ''}|${fields.revision}` } : {}) })),
      tips,
    );
  }

  /**
   * Store several changes in the order given, in one transaction (a webhook's push). An item whose
   * `key` was stored before is skipped (a redelivered webhook), so the result may be shorter.
   */
  async addChanges(items: Array<{ fields: ChangeFields; key?: string; keyTtlSec?: number }>): Promise<Change[]> {
    return this.enqueueChanges(items.map(({ fields, key, keyTtlSec }) => ({ fields, ...(key ? { key } : {}), ...(keyTtlSec ? { keyTtlSec } : {}) })));
  }

  private enqueueChanges(items: PendingChange[], tips?: PollerTips): Promise<Change[]> {
    return new Promise((resolve, reject) => {
      this.changeBatch.push({ items, ...(tips ? { tips } : {}), resolve, reject });
      this.changeWriter.kick();
    });
  }

  /**
   * Write every queued change in one transaction. Ids are allocated here, under one writer, so a
   * change with a lower id is never written after one with a higher id (the schedulers' cursor
   * relies on that). Concurrent intake therefore costs one round of writes per batch, not per change.
   */
  private async writeChanges(): Promise<void> {
    while (this.changeBatch.length) {
      const batch = this.changeBatch.splice(0);
      try {
        const keys = [...new Set(batch.flatMap((b) => b.items.flatMap((i) => (i.key ? [i.key] : []))))];
        const seen = new Set<string>();
        if (keys.length) {
          const pipe = this.redis.pipeline();
          for (const k of keys) pipe.exists(this.keys.changeKey(k));
          const res = (await pipe.exec()) ?? [];
          keys.forEach((k, i) => res[i]?.[1] === 1 && seen.add(k));
        }
        const fresh = batch.map((b) =>
          b.items.filter((i) => {
            if (!i.key) return true;
            if (seen.has(i.key)) return false;
            seen.add(i.key);
            return true;
          }),
        );
        const count = fresh.reduce((n, f) => n + f.length, 0);
        let id = count ? (await this.redis.incrby(this.keys.seq('change'), count)) - count : 0;
        const receivedAt = this.now();
        const m = this.redis.multi();
        const stored = fresh.map((items) =>
          items.map(({ fields, key, keyTtlSec }) => {
            id += 1;
            const change: Change = { ...fields, id, when: fields.when ?? receivedAt, receivedAt };
            m.set(this.keys.change(id), JSON.stringify(change));
            m.zadd(this.keys.changes, id, String(id));
            if (key) m.set(this.keys.changeKey(key), String(id), 'EX', keyTtlSec ?? 30 * 24 * 3600);
            return change;
          }),
        );
        for (const b of batch) if (b.tips && Object.keys(b.tips.tips).length) m.hset(this.keys.poller(b.tips.poller), b.tips.tips);
        if (m.length) await m.exec();
        batch.forEach((b, i) => b.resolve(stored[i]!));
        for (const list of stored) for (const c of list) this.bus.emit('change.new', c);
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  async getChange(id: number): Promise<Change | null> {
    return this.getJson<Change>(this.keys.change(id));
  }

  async getChanges(ids: number[]): Promise<Change[]> {
    if (!ids.length) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.change(id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Change);
  }

  async lastChangeId(): Promise<number> {
    return Number((await this.redis.get(this.keys.seq('change'))) ?? 0);
  }

  /** Ids of stored changes in (after, upTo], ascending. */
  async changeIdsAfter(after: number, limit: number): Promise<number[]> {
    const ids = await this.redis.zrangebyscore(this.keys.changes, `(${after}`, '+inf', 'LIMIT', 0, limit);
    return ids.map(Number);
  }

  async recentChanges(n: number): Promise<Change[]> {
    const ids = await this.redis.zrevrange(this.keys.changes, 0, n - 1);
    return this.getChanges(ids.map(Number));
  }

  async pollerTips(poller: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.poller(poller));
  }

  // ---- build sets and requests --------------------------------------------------------------

  async createBuildSet(spec: NewBuildSet): Promise<{ buildset: BuildSet; requests: BuildRequest[] }> {
    const bsId = await this.redis.incr(this.keys.seq('buildset'));
    const lastReq = await this.redis.incrby(this.keys.seq('request'), spec.builders.length);
    const submittedAt = this.now();
    const requests: BuildRequest[] = spec.builders.map((builder, i) => ({
      id: lastReq - spec.builders.length + 1 + i,
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
    const m = this.redis.multi();
    m.set(this.keys.buildset(bsId), JSON.stringify(buildset));
    m.zadd(this.keys.buildsets, bsId, String(bsId));
    for (const r of requests) {
      m.set(this.keys.request(r.id), JSON.stringify(r));
      m.zadd(this.keys.pendingRequests, pendingScore(r.priority, r.id), pendingMember(r.builder, r.id));
      m.zadd(this.keys.builderPending(r.builder), pendingScore(r.priority, r.id), String(r.id));
    }
    if (spec.consume?.length) m.del(...spec.consume);
    if (spec.handled) m.zadd(spec.handled.key, spec.handled.id, String(spec.handled.id));
    await m.exec();
    this.bus.emit('buildset.new', buildset, requests);
    for (const r of requests) this.bus.emit('request.pending', r);
    return { buildset, requests };
  }

  async getBuildSet(id: number): Promise<BuildSet | null> {
    return this.getJson<BuildSet>(this.keys.buildset(id));
  }

  async getRequest(id: number): Promise<BuildRequest | null> {
    return this.getJson<BuildRequest>(this.keys.request(id));
  }

  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.keys.pendingRequests);
  }

  /** Pending requests per builder. */
  async pendingByBuilder(builders: string[]): Promise<Map<string, number>> {
    const m = this.redis.multi();
    for (const b of builders) m.zcard(this.keys.builderPending(b));
    const res = (await m.exec()) ?? [];
    return new Map(builders.map((b, i) => [b, Number(res[i]?.[1] ?? 0)]));
  }

  /** The next request of each builder (highest priority, then oldest), with its order score. */
  async pendingHeads(builders: string[]): Promise<Map<string, { requestId: number; score: number }>> {
    const pipe = this.redis.pipeline();
    for (const b of builders) pipe.zrange(this.keys.builderPending(b), 0, 0, 'WITHSCORES');
    const res = (await pipe.exec()) ?? [];
    const heads = new Map<string, { requestId: number; score: number }>();
    builders.forEach((b, i) => {
      const [id, score] = (res[i]?.[1] as string[] | undefined) ?? [];
      if (id !== undefined && score !== undefined) heads.set(b, { requestId: Number(id), score: Number(score) });
    });
    return heads;
  }

  /** A builder's pending request ids in the order they would run (at most `limit`). */
  async pendingOf(builder: string, limit = 500): Promise<number[]> {
    return (await this.redis.zrange(this.keys.builderPending(builder), 0, limit - 1)).map(Number);
  }

  async getRequests(ids: number[]): Promise<BuildRequest[]> {
    if (!ids.length) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.request(id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as BuildRequest);
  }

  async getBuildSets(ids: number[]): Promise<BuildSet[]> {
    if (!ids.length) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.buildset(id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as BuildSet);
  }

  /** Ids of BuildSets after `after`, ascending (at most `limit`). */
  async buildSetIdsAfter(after: number, limit: number): Promise<number[]> {
    return (await this.redis.zrangebyscore(this.keys.buildsets, `(${after}`, '+inf', 'LIMIT', 0, limit)).map(Number);
  }

  async lastBuildSetId(): Promise<number> {
    return Number((await this.redis.get(this.keys.seq('buildset'))) ?? 0);
  }

  /** A pending-set entry whose request is no longer pending (should not happen; healed when seen). */
  async dropStalePending(builder: string, requestId: number): Promise<void> {
    await this.redis
      .multi()
      .zrem(this.keys.builderPending(builder), String(requestId))
      .zrem(this.keys.pendingRequests, pendingMember(builder, requestId))
      .exec();
  }

  /** Builders with a build on each executor. */
  async executorBusy(executors: string[]): Promise<Map<string, Set<string>>> {
    const m = this.redis.multi();
    for (const e of executors) m.smembers(this.keys.executorBusy(e));
    const res = (await m.exec()) ?? [];
    return new Map(executors.map((e, i) => [e, new Set((res[i]?.[1] as string[] | undefined) ?? [])]));
  }

  /**
   * Give a pending request to an executor: creates the Build (next number for its builder) and
   * moves the request to `claimed`. Returns null if the request is no longer pending.
   *
   * `collapse` lists older pending requests of the same builder that this one takes over, in the
   * same transaction: they end SKIPPED with `supersededBy` naming it, their changes join the
   * build's source stamp and blamelist, and their BuildSets settle. Any that is no longer pending
   * by then is left alone.
   */
  async claimRequest(
    requestId: number,
    executor: string,
    steps: StepSpec[],
    properties: Record<string, unknown>,
    collapse: number[] = [],
  ): Promise<Build | null> {
    const others = [...new Set(collapse)].filter((id) => id !== requestId);
    const claimed = await this.withRequests([requestId, ...others], async () => {
      const [req, ...older] = await Promise.all([requestId, ...others].map((id) => this.getRequest(id)));
      if (!req || req.state !== 'pending') return null;
      const skip = older.filter((r): r is BuildRequest => !!r && r.state === 'pending' && r.builder === req.builder).sort((a, b) => a.id - b.id);
      const sets = await this.getBuildSets([req.buildsetId, ...skip.map((r) => r.buildsetId)]);
      const bs = sets.find((x) => x.id === req.buildsetId);
      if (!bs) return null;
      const [buildId, number] = await Promise.all([
        this.redis.incr(this.keys.seq('build')),
        this.redis.incr(this.keys.builderNumber(req.builder)),
      ]);
      const changeIds = skip.length ? [...new Set(sets.flatMap((x) => x.sourcestamp.changeIds))].sort((a, b) => a - b) : bs.sourcestamp.changeIds;
      const changes = await this.getChanges(changeIds);
      const blamelist = [...new Set(changes.map((c) => c.author))];
      const now = this.now();
      const build: Build = {
        id: buildId,
        builder: req.builder,
        number,
        requestId,
        buildsetId: bs.id,
        executor,
        token: randomBytes(16).toString('hex'),
        state: 'dispatched',
        dispatchedAt: now,
        sourcestamp: skip.length ? { ...bs.sourcestamp, changeIds } : bs.sourcestamp,
        blamelist,
        ...(skip.length ? { collapsedRequestIds: skip.map((r) => r.id) } : {}),
        properties: { ...properties, ...bs.properties, ...sourceProperties(bs), buildnumber: number, builder: req.builder, executor, scheduler: bs.scheduler },
        steps: steps.map((s, i): StepState => ({ name: stepName(s, i), state: 'pending' })),
      };
      const updated: BuildRequest = { ...req, state: 'claimed', buildIds: [...req.buildIds, buildId] };
      const skipped = skip.map(
        (r): BuildRequest => ({ ...r, state: 'complete', result: 'SKIPPED', completeAt: now, supersededBy: req.id, text: `collapsed into request ${req.id} (${req.builder} #${number})` }),
      );
      const m = this.redis.multi();
      m.zrem(this.keys.pendingRequests, pendingMember(req.builder, req.id));
      m.zrem(this.keys.builderPending(req.builder), String(req.id));
      m.sadd(this.keys.executorBusy(executor), req.builder);
      m.set(this.keys.request(req.id), JSON.stringify(updated));
      for (const r of skipped) {
        m.zrem(this.keys.pendingRequests, pendingMember(r.builder, r.id));
        m.zrem(this.keys.builderPending(r.builder), String(r.id));
        m.set(this.keys.request(r.id), JSON.stringify(r));
        m.zadd(this.keys.builderCollapsed(r.builder), r.id, String(r.id));
      }
      this.writeBuild(m, build);
      m.zadd(this.keys.builderBuilds(req.builder), number, String(buildId));
      m.zadd(this.keys.activeBuilds, buildId, String(buildId));
      m.sadd(this.keys.executorBuilds(executor), String(buildId));
      await m.exec();
      return { build, skipped };
    });
    if (!claimed) return null;
    this.bus.emit('build.new', claimed.build);
    for (const r of claimed.skipped) this.bus.emit('request.superseded', r);
    for (const r of claimed.skipped) await this.settleBuildSet(r.buildsetId);
    return claimed.build;
  }

  /**
   * End pending requests that a newer BuildSet on the same branch made pointless (cancel-superseded):
   * CANCELLED, `supersededBy` the newer request, out of the pending sets, their BuildSets settled.
   * Returns the requests it ended; one that is no longer pending is left alone.
   */
  async cancelPending(requestIds: number[], supersededBy: number, text: string): Promise<BuildRequest[]> {
    const ids = [...new Set(requestIds)].filter((id) => id !== supersededBy);
    if (!ids.length) return [];
    const ended = await this.withRequests(ids, async () => {
      const now = this.now();
      const reqs = (await this.getRequests(ids)).filter((r) => r.state === 'pending');
      if (!reqs.length) return [];
      const m = this.redis.multi();
      const next = reqs.map((r): BuildRequest => ({ ...r, state: 'complete', result: 'CANCELLED', completeAt: now, supersededBy, text }));
      for (const r of next) {
        m.zrem(this.keys.pendingRequests, pendingMember(r.builder, r.id));
        m.zrem(this.keys.builderPending(r.builder), String(r.id));
        m.set(this.keys.request(r.id), JSON.stringify(r));
        m.zadd(this.keys.builderSuperseded(r.builder), r.id, String(r.id));
      }
      await m.exec();
      return next;
    });
    for (const r of ended) this.bus.emit('request.superseded', r);
    for (const r of ended) await this.settleBuildSet(r.buildsetId);
    return ended;
  }

  /**
   * Record that a claimed request (its build is being stopped) was superseded: when its build ends
   * it completes as it ended, except that a RETRY is not retried but ends CANCELLED. Returns the
   * request as stored, or null when it is not claimed.
   */
  async markSuperseded(requestId: number, supersededBy: number, text: string): Promise<BuildRequest | null> {
    const marked = await this.withRequests([requestId], async () => {
      const req = await this.getRequest(requestId);
      if (!req || req.state !== 'claimed' || req.supersededBy !== undefined) return null;
      const next: BuildRequest = { ...req, supersededBy, text };
      await this.redis.multi().set(this.keys.request(req.id), JSON.stringify(next)).zadd(this.keys.builderSuperseded(req.builder), req.id, String(req.id)).exec();
      return next;
    });
    if (marked) this.bus.emit('request.superseded', marked);
    return marked;
  }

  /** How many requests of each builder collapsed into newer ones, and how many newer BuildSets superseded. */
  async supersededCounts(builders: string[]): Promise<Map<string, { collapsed: number; superseded: number }>> {
    const m = this.redis.multi();
    for (const b of builders) m.zcard(this.keys.builderCollapsed(b)).zcard(this.keys.builderSuperseded(b));
    const res = (await m.exec()) ?? [];
    return new Map(builders.map((b, i) => [b, { collapsed: Number(res[2 * i]?.[1] ?? 0), superseded: Number(res[2 * i + 1]?.[1] ?? 0) }]));
  }

  /** The newest `n` requests of a builder that collapsed or were superseded, newest first. */
  async recentSuperseded(builder: string, n: number): Promise<BuildRequest[]> {
    const [a, b] = await Promise.all([
      this.redis.zrevrange(this.keys.builderCollapsed(builder), 0, n - 1),
      this.redis.zrevrange(this.keys.builderSuperseded(builder), 0, n - 1),
    ]);
    const ids = [...new Set([...a, ...b].map(Number))].sort((x, y) => y - x).slice(0, n);
    return this.getRequests(ids);
  }

  /** Run `fn` holding the locks of several requests, taken in one order so two callers never deadlock. */
  private withRequests<T>(ids: number[], fn: () => Promise<T>): Promise<T> {
    const keys = [...new Set(ids)].sort((a, b) => a - b).map((id) => `request:${id}`);
    const take = (i: number): Promise<T> => (i === keys.length ? fn() : this.lock.run(keys[i]!, () => take(i + 1)));
    return take(0);
  }

  // ---- builds -------------------------------------------------------------------------------

  async getBuild(id: number): Promise<Build | null> {
    return this.getJson<Build>(this.keys.build(id));
  }

  async getBuilds(ids: number[]): Promise<Build[]> {
    if (!ids.length) return [];
    const raw = await this.redis.mget(ids.map((id) => this.keys.build(id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Build);
  }

  async buildByNumber(builder: string, number: number): Promise<Build | null> {
    const ids = await this.redis.zrangebyscore(this.keys.builderBuilds(builder), number, number);
    return ids[0] ? this.getBuild(Number(ids[0])) : null;
  }

  /** The newest `n` builds of a builder, newest first. */
  async lastBuilds(builder: string, n: number): Promise<Build[]> {
    const ids = await this.redis.zrevrange(this.keys.builderBuilds(builder), 0, n - 1);
    return this.getBuilds(ids.map(Number));
  }

  async activeBuilds(): Promise<Build[]> {
    const ids = await this.redis.zrange(this.keys.activeBuilds, 0, -1);
    return this.getBuilds(ids.map(Number));
  }

  async executorBuildIds(executor: string): Promise<number[]> {
    return (await this.redis.smembers(this.keys.executorBuilds(executor))).map(Number);
  }

  async executorLoad(executors: string[]): Promise<Map<string, number>> {
    const m = this.redis.multi();
    for (const e of executors) m.scard(this.keys.executorBuilds(e));
    const res = (await m.exec()) ?? [];
    return new Map(executors.map((e, i) => [e, Number(res[i]?.[1] ?? 0)]));
  }

  /**
   * Apply an executor's events for one build in one read-modify-write: the build record, its log
   * chunks and test cases are written in one transaction, then the events are published in order.
   * Events whose token is not the build's current one, or that come after it finished, are ignored
   * (a lost executor's late results change nothing). Returns the build as stored, or null.
   */
  async applyBuildEvents(buildId: number, token: string | null, events: BuildUpdate[]): Promise<Build | null> {
    if (!events.length) return null;
    const applied = await this.lock.run(`build:${buildId}`, async () => {
      const b = await this.getBuild(buildId);
      if (!b || b.state === 'finished' || (token !== null && b.token !== token)) return null;
      const m = this.redis.multi();
      const emits: Array<() => void> = [];
      let next: Build = b;
      let logsAppended = 0;
      const logPushes: Array<{ step: number; at: number }> = [];
      for (const ev of events) {
        const now = this.now();
        switch (ev.type) {
          case 'build-started':
            if (next.state === 'dispatched') next = { ...next, state: 'running', startedAt: now };
            break;
          case 'step-started': {
            const steps = [...next.steps];
            steps[ev.step] = { ...(steps[ev.step] ?? { name: ev.name }), name: ev.name, state: 'running', startedAt: now };
            next = { ...next, state: 'running', startedAt: next.startedAt ?? now, steps, currentStep: ev.step };
            const snap = next;
            emits.push(() => this.bus.emit('build.step', snap, ev.step));
            break;
          }
          case 'step-finished': {
            const steps = [...next.steps];
            const prev = steps[ev.step] ?? { name: `step-${ev.step}`, state: 'pending' as const };
            steps[ev.step] = { ...prev, state: ev.result === 'SKIPPED' ? 'skipped' : 'done', result: ev.result, finishedAt: now, ...(ev.text ? { text: ev.text } : {}) };
            next = { ...next, steps, currentStep: undefined };
            const snap = next;
            emits.push(() => this.bus.emit('build.step', snap, ev.step));
            break;
          }
          case 'properties':
            next = { ...next, properties: { ...next.properties, ...ev.properties } };
            break;
          case 'log': {
            logPushes.push({ step: ev.step, at: m.length });
            m.rpush(this.keys.log(buildId, ev.step), `${ev.stream}\t${ev.text}`);
            logsAppended += 1;
            const snap = next;
            emits.push(() => this.bus.emit('build.log', snap, ev.step, ev.text));
            break;
          }
          case 'tests': {
            if (ev.tests.length) m.rpush(this.keys.tests(buildId), ...ev.tests.map((t) => JSON.stringify(t)));
            const prev = next.tests ?? { total: 0, failed: 0, skipped: 0 };
            const failedHere = ev.tests.filter((t) => t.outcome === 'fail' || t.outcome === 'error').length;
            // The step that reported them keeps its own count: its failure is explained by its tests.
            const steps = next.steps.map((s, i) => (i === ev.step ? { ...s, tests: { total: (s.tests?.total ?? 0) + ev.tests.length, failed: (s.tests?.failed ?? 0) + failedHere } } : s));
            next = {
              ...next,
              steps,
              tests: {
                total: prev.total + ev.tests.length,
                failed: prev.failed + ev.tests.filter((t) => t.outcome === 'fail' || t.outcome === 'error').length,
                skipped: prev.skipped + ev.tests.filter((t) => t.outcome === 'skip').length,
              },
            };
            break;
          }
          case 'build-finished': {
            m.zrem(this.keys.activeBuilds, String(next.id));
            m.srem(this.keys.executorBuilds(next.executor), String(next.id));
            m.srem(this.keys.executorBusy(next.executor), next.builder);
            const steps = next.steps.map((st) => (st.state === 'running' ? { ...st, state: 'done' as const, result: ev.result, finishedAt: now } : st));
            next = { ...next, state: 'finished', result: ev.result, finishedAt: now, steps, currentStep: undefined, ...(ev.text ? { text: ev.text } : {}) };
            break;
          }
        }
        if (next.state === 'finished') break;
      }
      if (b.state === 'dispatched' && next.state !== 'dispatched') {
        const snap = next;
        emits.unshift(() => this.bus.emit('build.started', snap));
      }
      this.writeBuild(m, next);
      const results = (await m.exec()) ?? [];
      if (logsAppended) await this.capLogs(buildId, logPushes, results);
      for (const e of emits) e();
      return next;
    });
    if (applied?.state === 'finished') {
      this.bus.emit('build.finished', applied);
      await this.settleRequest(applied);
    }
    return applied;
  }

  /** Keep a step's log to MAX_LOG_CHUNKS chunks; RPUSH's reply says how long it has grown. */
  private async capLogs(buildId: number, pushes: Array<{ step: number; at: number }>, results: Array<[Error | null, unknown]>): Promise<void> {
    const over = new Set(pushes.filter((p) => Number(results[p.at]?.[1] ?? 0) > MAX_LOG_CHUNKS).map((p) => p.step));
    for (const step of over) await this.redis.ltrim(this.keys.log(buildId, step), 0, MAX_LOG_CHUNKS - 1);
  }

  /** Log chunks of one step from index `from`: [{stream, text}], and the next index. */
  async readLog(buildId: number, step: number, from = 0): Promise<{ chunks: Array<{ stream: string; text: string }>; next: number }> {
    const raw = await this.redis.lrange(this.keys.log(buildId, step), from, -1);
    return {
      chunks: raw.map((r) => {
        const tab = r.indexOf('\t');
        return { stream: r.slice(0, tab), text: r.slice(tab + 1) };
      }),
      next: from + raw.length,
    };
  }

  async getTests(buildId: number): Promise<TestCaseResult[]> {
    const raw = await this.redis.lrange(this.keys.tests(buildId), 0, -1);
    return raw.map((r) => JSON.parse(r) as TestCaseResult);
  }

  /**
   * End a build from the master's side (executor lost, dispatch failed, job refused). RETRY puts its
   * request back in line (same place); any other result completes the request and may fail or
   * complete the BuildSet. `token` null matches any attempt.
   */
  async finishBuild(buildId: number, token: string | null, result: Result, text?: string): Promise<Build | null> {
    return this.applyBuildEvents(buildId, token, [{ type: 'build-finished', result, ...(text ? { text } : {}) }]);
  }

  private async settleRequest(build: Build): Promise<void> {
    const req = await this.lock.run(`request:${build.requestId}`, async () => {
      const req = await this.getRequest(build.requestId);
      if (!req || req.state !== 'claimed') return null;
      const m = this.redis.multi();
      let next: BuildRequest;
      if (build.result === 'RETRY' && req.supersededBy !== undefined) {
        // Superseded while it ran: a newer build of the branch is coming, so this one is not retried.
        next = { ...req, state: 'complete', result: 'CANCELLED', completeAt: this.now() };
      } else if (build.result === 'RETRY') {
        next = { ...req, state: 'pending' };
        m.zadd(this.keys.pendingRequests, pendingScore(req.priority, req.id), pendingMember(req.builder, req.id));
        m.zadd(this.keys.builderPending(req.builder), pendingScore(req.priority, req.id), String(req.id));
      } else {
        next = { ...req, state: 'complete', result: build.result, completeAt: this.now() };
      }
      m.set(this.keys.request(req.id), JSON.stringify(next));
      await m.exec();
      return next;
    });
    if (!req) return;
    if (req.state === 'pending') {
      this.bus.emit('request.pending', req);
      return;
    }
    await this.settleBuildSet(req.buildsetId, build);
  }

  /**
   * Settle a BuildSet after one of its requests completed (`build` is the build that ended it, when
   * one did): the first-failure event, and completion once every request is complete. Its result
   * is the worst of its requests' results, leaving out requests that collapsed into newer ones (they
   * ran as part of those builds); a BuildSet whose every request collapsed ends SKIPPED.
   */
  private async settleBuildSet(buildsetId: number, build?: Build): Promise<void> {
    const events = await this.lock.run(`buildset:${buildsetId}`, async () => {
      const bs = await this.getBuildSet(buildsetId);
      if (!bs || bs.completeAt) return null;
      const reqs = await this.getRequests(bs.requestIds);
      let next: BuildSet = bs;
      const failedNow = !!build && !bs.failedAt && build.result !== undefined && isFailing(build.result);
      if (failedNow) next = { ...next, failedAt: this.now() };
      const done = reqs.length === bs.requestIds.length && reqs.every((r) => r.state === 'complete');
      if (done) {
        const counted = reqs.filter((r) => !(r.result === 'SKIPPED' && r.supersededBy !== undefined));
        next = { ...next, completeAt: this.now(), result: worstOf(counted.map((r) => r.result ?? 'EXCEPTION'), 'SKIPPED') };
      }
      if (next === bs) return null;
      await this.redis.set(this.keys.buildset(bs.id), JSON.stringify(next));
      return { next, failedNow, done };
    });
    if (!events) return;
    if (events.failedNow && build) this.bus.emit('buildset.failed', events.next, build);
    if (events.done) this.bus.emit('buildset.complete', events.next);
  }

  private writeBuild(m: ChainableCommander, b: Build): void {
    m.set(this.keys.build(b.id), JSON.stringify(b));
  }

  // ---- executors ----------------------------------------------------------------------------

  async getExecutor(name: string): Promise<ExecutorRecord | null> {
    return this.getJson<ExecutorRecord>(this.keys.executor(name));
  }

  async getExecutors(names: string[]): Promise<ExecutorRecord[]> {
    if (!names.length) return [];
    const raw = await this.redis.mget(names.map((n) => this.keys.executor(n)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as ExecutorRecord);
  }

  /** Write an executor record; publishes connected/lost when its state changes to that. */
  async putExecutor(rec: ExecutorRecord, prevState?: ExecutorRecord['state']): Promise<void> {
    await this.redis.set(this.keys.executor(rec.name), JSON.stringify(rec));
    if (rec.state !== prevState) {
      if (rec.state === 'connected') this.bus.emit('executor.connected', rec);
      else if (rec.state !== 'stopping') this.bus.emit('executor.lost', rec, rec.reason ?? rec.state);
    }
  }

  async touchExecutor(rec: ExecutorRecord): Promise<void> {
    await this.redis.set(this.keys.executor(rec.name), JSON.stringify(rec));
  }

  // ---- schedulers ---------------------------------------------------------------------------

  async schedulerCursor(): Promise<number> {
    return Number((await this.redis.get(this.keys.schedCursor)) ?? 0);
  }

  async setSchedulerCursor(id: number, m?: ChainableCommander): Promise<void> {
    if (m) m.set(this.keys.schedCursor, String(id));
    else await this.redis.set(this.keys.schedCursor, String(id));
  }

  // ---- config -------------------------------------------------------------------------------

  async putConfigSummary(summary: ConfigSummary): Promise<void> {
    await this.redis.set(this.keys.config, JSON.stringify(summary));
  }

  async configSummary(): Promise<ConfigSummary | null> {
    return this.getJson<ConfigSummary>(this.keys.config);
  }

  private async getJson<T>(key: string): Promise<T | null> {
    const raw = await this.redis.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  }
}

