import type { Redis, ChainableCommander } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Change, ChangeFields } from '../model/change.js';
import type { Build, BuildRequest, BuildSet, SourceStamp, StepState, TestCaseResult } from '../model/build.js';
import { isFailing, worstOf, type Result } from '../model/results.js';
import { stepName, type StepSpec } from '../model/steps.js';
import { KeyedMutex } from '../util/mutex.js';
import { DataBus } from './events.js';
import { Keys, pendingMember, pendingScore, parsePendingMember } from './keys.js';
import type { ConfigSummary, ExecutorRecord } from './records.js';

export interface NewBuildSet {
  reason: string;
  scheduler: string;
  sourcestamp: SourceStamp;
  builders: string[];
  properties: Record<string, unknown>;
  priority: number;
  /** Keys to delete in the same transaction (a scheduler's hand-over list). */
  consume?: string[];
}

export interface PollerTips {
  poller: string;
  tips: Record<string, string>;
}

const MAX_LOG_CHUNKS = 20_000;

/**
 * The single write path. Every state change is one method here that writes Redis (in one
 * MULTI where it touches several keys) and then publishes its event on `bus` with the stored record.
 * Read-modify-write of one record is serialised per record inside the process; bb runs one master.
 */
export class Store {
  readonly keys: Keys;
  readonly bus = new DataBus();
  private readonly lock = new KeyedMutex();

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
    const [change] = await this.addChangesTx([{ fields, key }]);
    return change ?? null;
  }

  /** Store a poller's new commits and its new branch tips in one transaction. */
  async addPolledChanges(list: ChangeFields[], tips: PollerTips): Promise<Change[]> {
    return this.addChangesTx(
      list.map((fields) => ({ fields, key: fields.revision ? `poll|${tips.poller}|${fields.branch ?? ''}|${fields.revision}` : undefined })),
      tips,
    );
  }

  private async addChangesTx(items: Array<{ fields: ChangeFields; key?: string }>, tips?: PollerTips): Promise<Change[]> {
    return this.lock.run('changes', async () => {
      const fresh: Array<{ fields: ChangeFields; key?: string }> = [];
      for (const item of items) {
        if (item.key && (await this.redis.exists(this.keys.changeKey(item.key)))) continue;
        fresh.push(item);
      }
      const stored: Change[] = [];
      const m = this.redis.multi();
      if (fresh.length) {
        const last = await this.redis.incrby(this.keys.seq('change'), fresh.length);
        let id = last - fresh.length;
        const receivedAt = this.now();
        for (const { fields, key } of fresh) {
          id += 1;
          const change: Change = { ...fields, id, when: fields.when ?? receivedAt, receivedAt };
          m.set(this.keys.change(id), JSON.stringify(change));
          m.zadd(this.keys.changes, id, String(id));
          if (key) m.set(this.keys.changeKey(key), String(id), 'EX', 30 * 24 * 3600);
          stored.push(change);
        }
      }
      if (tips && Object.keys(tips.tips).length) m.hset(this.keys.poller(tips.poller), tips.tips);
      if (fresh.length || tips) await m.exec();
      for (const c of stored) this.bus.emit('change.new', c);
      return stored;
    });
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
      priority: spec.priority,
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
    };
    const m = this.redis.multi();
    m.set(this.keys.buildset(bsId), JSON.stringify(buildset));
    m.zadd(this.keys.buildsets, bsId, String(bsId));
    for (const r of requests) {
      m.set(this.keys.request(r.id), JSON.stringify(r));
      m.zadd(this.keys.pendingRequests, pendingScore(r.priority, r.id), pendingMember(r.builder, r.id));
    }
    if (spec.consume?.length) m.del(...spec.consume);
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

  /** Pending requests in the order they should run (highest priority, then oldest). */
  async pendingRequests(limit = 1000): Promise<Array<{ builder: string; requestId: number }>> {
    const members = await this.redis.zrange(this.keys.pendingRequests, 0, limit - 1);
    return members.map(parsePendingMember);
  }

  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.keys.pendingRequests);
  }

  /**
   * Give a pending request to an executor: creates the Build (next number for its builder) and
   * moves the request to `claimed`. Returns null if the request is no longer pending.
   */
  async claimRequest(requestId: number, executor: string, steps: StepSpec[], properties: Record<string, unknown>): Promise<Build | null> {
    return this.lock.run(`request:${requestId}`, async () => {
      const req = await this.getRequest(requestId);
      if (!req || req.state !== 'pending') return null;
      const bs = await this.getBuildSet(req.buildsetId);
      if (!bs) return null;
      const [buildId, number] = await Promise.all([
        this.redis.incr(this.keys.seq('build')),
        this.redis.incr(this.keys.builderNumber(req.builder)),
      ]);
      const changes = await this.getChanges(bs.sourcestamp.changeIds);
      const blamelist = [...new Set(changes.map((c) => c.author))];
      const build: Build = {
        id: buildId,
        builder: req.builder,
        number,
        requestId,
        buildsetId: bs.id,
        executor,
        token: randomBytes(16).toString('hex'),
        state: 'dispatched',
        dispatchedAt: this.now(),
        sourcestamp: bs.sourcestamp,
        blamelist,
        properties: { ...properties, ...bs.properties, buildnumber: number, builder: req.builder, executor, scheduler: bs.scheduler },
        steps: steps.map((s, i): StepState => ({ name: stepName(s, i), state: 'pending' })),
        stepSpecs: steps,
      };
      const updated: BuildRequest = { ...req, state: 'claimed', buildIds: [...req.buildIds, buildId] };
      const m = this.redis.multi();
      m.zrem(this.keys.pendingRequests, pendingMember(req.builder, req.id));
      m.set(this.keys.request(req.id), JSON.stringify(updated));
      this.writeBuild(m, build);
      m.zadd(this.keys.builderBuilds(req.builder), number, String(buildId));
      m.zadd(this.keys.activeBuilds, buildId, String(buildId));
      m.sadd(this.keys.executorBuilds(executor), String(buildId));
      await m.exec();
      this.bus.emit('build.new', build);
      return build;
    });
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

  /** Apply `fn` to a live build whose token matches; returns null (and writes nothing) otherwise. */
  private async updateLiveBuild(
    buildId: number,
    token: string | null,
    fn: (b: Build, m: ChainableCommander) => Build | null,
  ): Promise<Build | null> {
    return this.lock.run(`build:${buildId}`, async () => {
      const b = await this.getBuild(buildId);
      if (!b || b.state === 'finished' || (token !== null && b.token !== token)) return null;
      const m = this.redis.multi();
      const next = fn(b, m);
      if (!next) return null;
      this.writeBuild(m, next);
      await m.exec();
      return next;
    });
  }

  async buildStarted(buildId: number, token: string): Promise<Build | null> {
    const b = await this.updateLiveBuild(buildId, token, (b) => (b.state === 'dispatched' ? { ...b, state: 'running', startedAt: this.now() } : null));
    if (b) this.bus.emit('build.started', b);
    return b;
  }

  async stepStarted(buildId: number, token: string, step: number, name: string): Promise<Build | null> {
    const b = await this.updateLiveBuild(buildId, token, (b) => {
      const steps = [...b.steps];
      steps[step] = { ...(steps[step] ?? { name }), name, state: 'running', startedAt: this.now() };
      return { ...b, state: 'running', startedAt: b.startedAt ?? this.now(), steps, currentStep: step };
    });
    if (b) this.bus.emit('build.step', b, step);
    return b;
  }

  async stepFinished(buildId: number, token: string, step: number, result: Result, text?: string): Promise<Build | null> {
    const b = await this.updateLiveBuild(buildId, token, (b) => {
      const steps = [...b.steps];
      const prev = steps[step] ?? { name: `step-${step}`, state: 'pending' as const };
      steps[step] = { ...prev, state: result === 'SKIPPED' ? 'skipped' : 'done', result, finishedAt: this.now(), ...(text ? { text } : {}) };
      return { ...b, steps, currentStep: undefined };
    });
    if (b) this.bus.emit('build.step', b, step);
    return b;
  }

  async setBuildProperties(buildId: number, token: string, props: Record<string, unknown>): Promise<Build | null> {
    return this.updateLiveBuild(buildId, token, (b) => ({ ...b, properties: { ...b.properties, ...props } }));
  }

  async appendLog(buildId: number, token: string, step: number, stream: string, text: string): Promise<boolean> {
    const b = await this.getBuild(buildId);
    if (!b || b.state === 'finished' || b.token !== token) return false;
    const key = this.keys.log(buildId, step);
    const len = await this.redis.rpush(key, `${stream}\t${text}`);
    if (len > MAX_LOG_CHUNKS) await this.redis.ltrim(key, 0, MAX_LOG_CHUNKS - 1);
    this.bus.emit('build.log', b, step, text);
    return true;
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

  async storeTests(buildId: number, token: string, tests: TestCaseResult[]): Promise<Build | null> {
    return this.updateLiveBuild(buildId, token, (b, m) => {
      if (tests.length) m.rpush(this.keys.tests(buildId), ...tests.map((t) => JSON.stringify(t)));
      const prev = b.tests ?? { total: 0, failed: 0, skipped: 0 };
      return {
        ...b,
        tests: {
          total: prev.total + tests.length,
          failed: prev.failed + tests.filter((t) => t.outcome === 'fail' || t.outcome === 'error').length,
          skipped: prev.skipped + tests.filter((t) => t.outcome === 'skip').length,
        },
      };
    });
  }

  async getTests(buildId: number): Promise<TestCaseResult[]> {
    const raw = await this.redis.lrange(this.keys.tests(buildId), 0, -1);
    return raw.map((r) => JSON.parse(r) as TestCaseResult);
  }

  /**
   * End a build. RETRY puts its request back in the pending set (same place in line); any other
   * result completes the request and may fail or complete the BuildSet. `token` null = the master
   * itself ends it (executor lost, dispatch failed).
   */
  async finishBuild(buildId: number, token: string | null, result: Result, text?: string): Promise<Build | null> {
    const build = await this.updateLiveBuild(buildId, token, (b, m) => {
      m.zrem(this.keys.activeBuilds, String(b.id));
      m.srem(this.keys.executorBuilds(b.executor), String(b.id));
      const steps = b.steps.map((s) => (s.state === 'running' ? { ...s, state: 'done' as const, result, finishedAt: this.now() } : s));
      return { ...b, state: 'finished', result, finishedAt: this.now(), steps, currentStep: undefined, ...(text ? { text } : {}) };
    });
    if (!build) return null;
    this.bus.emit('build.finished', build);
    await this.settleRequest(build);
    return build;
  }

  private async settleRequest(build: Build): Promise<void> {
    const req = await this.lock.run(`request:${build.requestId}`, async () => {
      const req = await this.getRequest(build.requestId);
      if (!req || req.state !== 'claimed') return null;
      const m = this.redis.multi();
      let next: BuildRequest;
      if (build.result === 'RETRY') {
        next = { ...req, state: 'pending' };
        m.zadd(this.keys.pendingRequests, pendingScore(req.priority, req.id), pendingMember(req.builder, req.id));
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

  private async settleBuildSet(buildsetId: number, build: Build): Promise<void> {
    const events = await this.lock.run(`buildset:${buildsetId}`, async () => {
      const bs = await this.getBuildSet(buildsetId);
      if (!bs || bs.completeAt) return null;
      const reqs = (await this.redis.mget(bs.requestIds.map((id) => this.keys.request(id))))
        .filter((r): r is string => r !== null)
        .map((r) => JSON.parse(r) as BuildRequest);
      let next: BuildSet = bs;
      const failedNow = !bs.failedAt && build.result !== undefined && isFailing(build.result);
      if (failedNow) next = { ...next, failedAt: this.now() };
      const done = reqs.length === bs.requestIds.length && reqs.every((r) => r.state === 'complete');
      if (done) next = { ...next, completeAt: this.now(), result: worstOf(reqs.map((r) => r.result ?? 'EXCEPTION')) };
      if (next === bs) return null;
      await this.redis.set(this.keys.buildset(bs.id), JSON.stringify(next));
      return { next, failedNow, done };
    });
    if (!events) return;
    if (events.failedNow) this.bus.emit('buildset.failed', events.next, build);
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
