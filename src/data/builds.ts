import { randomBytes } from 'node:crypto';
import { sourceProperties, type Build, type BuildRequest, type BuildSet, type StepState } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { Result } from '../model/results.js';
import { stepName, type StepSpec } from '../model/steps.js';
import type { ExecutorEvent } from '../queue/jobs.js';
import type { AnnouncementsRepo } from './announcements.js';
import type { BuildSetsRepo } from './buildsets.js';
import type { ChangesRepo } from './changes.js';
import type { Db, Multi } from './db.js';
import { prunedMark, zsetHistory, type HistoryIndex, type PrunedMark } from './history.js';
import type { LogsRepo } from './logs.js';
import { CLAIM_READ_SCRIPT, LATEST_BUILDS_SCRIPT, SLOTS_READ_SCRIPT } from './read-scripts.js';
import type { RequestsRepo } from './requests.js';
import type { TestsRepo } from './tests.js';

/** A build event as the store applies it: an executor's event without its build id and token. */
export type BuildUpdate = DistributiveOmit<
  Extract<ExecutorEvent, { type: 'build-started' | 'step-started' | 'log' | 'step-finished' | 'properties' | 'tests' | 'build-finished' }>,
  'buildId' | 'token'
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A write that rides along in another's transaction (the executor record's seq in the build
 * events' write, src/process/executors.ts): `queue` adds its commands; `done` says it was written.
 */
/** Build records read ahead in one round trip (BuildsRepo.prefetch), for applyEvents. */
export interface Prefetched {
  /** This process's write stamp when the read was sent. */
  at: number;
  raw: Map<number, string | null>;
}

/** Builds whose last write this process remembers (BuildsRepo.noteWrite); older ones count as written at `floor`. */
const REMEMBERED_WRITES = 10_000;

export interface RideAlong {
  queue(m: Multi): void;
  done: boolean;
}

/**
 * Builds (db:build:<id>, db:builder:<name>:builds and :number, db:builds:active) and which
 * executor holds them (db:executor:<name>:builds and :busy). A build is made by claiming a pending
 * request, changed only by its executor's events (with its logs and test results, one transaction
 * per batch), and ended by them or by the master. Publishes `build.new`, `build.started`,
 * `build.step`, `build.log`, `build.finished`.
 */
export class BuildsRepo {
  /** Stamp of this process's build writes, in the order they were sent (one connection: the order Redis applies them). */
  private stamp = 0;
  private floor = 0;
  private readonly lastWrite = new Map<number, number>();
  /**
   * The unfinished builds as this process last wrote them (their JSON), so applying an executor's
   * events needs no read of a record the master itself just wrote. Only the leader writes build
   * records, so the copy is Redis' own while (a) this process holds the same fencing token as when
   * it wrote (another master that led in between may have written) and (b) the connection has not
   * dropped since (a Redis failover or restart may have lost the last writes: Redis decides
   * again). Either change empties it. A finished build leaves it.
   */
  private readonly written = new Map<number, string>();
  private writtenToken: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly parts: { changes: ChangesRepo; requests: RequestsRepo; buildsets: BuildSetsRepo; logs: LogsRepo; tests: TestsRepo; announcements: AnnouncementsRepo },
  ) {
    db.onConnectionClosed(() => this.written.clear());
  }

  /** The build as this process last wrote it (JSON), when that copy is still Redis' own (see `written`). */
  private recalledRaw(id: number): string | undefined {
    if (this.writtenToken !== (this.db.fence?.token ?? null)) {
      this.written.clear();
      return undefined;
    }
    return this.written.get(id);
  }

  private recalled(id: number): Build | undefined {
    const raw = this.recalledRaw(id);
    return raw === undefined ? undefined : (JSON.parse(raw) as Build);
  }

  /** Remember the build as written (`raw`: its JSON) once its transaction went through. */
  private remember(b: Build, raw: string, token: string | null): void {
    if (this.writtenToken !== token) {
      this.written.clear();
      this.writtenToken = token;
    }
    if (b.state === 'finished') {
      this.written.delete(b.id);
      return;
    }
    this.written.delete(b.id);
    this.written.set(b.id, raw);
    if (this.written.size > REMEMBERED_WRITES) this.written.delete(this.written.keys().next().value!);
  }

  async get(id: number): Promise<Build | null> {
    return this.db.getJson<Build>(this.db.keys.build(id));
  }

  async getMany(ids: number[]): Promise<Build[]> {
    return this.db.getJsonMany<Build>(ids.map((id) => this.db.keys.build(id)));
  }

  async byNumber(builder: string, number: number): Promise<Build | null> {
    const ids = await this.db.redis.zrangebyscore(this.db.keys.builderBuilds(builder), number, number);
    return ids[0] ? this.get(Number(ids[0])) : null;
  }

  /** The newest `n` builds of a builder, newest first. */
  async last(builder: string, n: number): Promise<Build[]> {
    const ids = await this.db.redis.zrevrange(this.db.keys.builderBuilds(builder), 0, n - 1);
    return this.getMany(ids.map(Number));
  }

  async active(): Promise<Build[]> {
    const ids = await this.db.redis.zrange(this.db.keys.activeBuilds, 0, -1);
    return this.getMany(ids.map(Number));
  }

  /** The newest `k` builds of each builder (newest first), in one round trip for any number of builders. */
  async latestOf(builders: string[], k: number): Promise<Map<string, Build[]>> {
    const out = new Map<string, Build[]>(builders.map((b) => [b, []]));
    if (!builders.length || k < 1) return out;
    const keys = builders.map((b) => this.db.keys.builderBuilds(b));
    const raw = (await this.db.readScript(LATEST_BUILDS_SCRIPT, keys, [this.db.keys.build(0).slice(0, -1), k])) as string[];
    for (const r of raw) {
      const build = JSON.parse(r) as Build;
      out.get(build.builder)?.push(build);
    }
    return out;
  }

  /** Builds of a builder newest first, `offset` from the newest, and how many it has in all. */
  async page(builder: string, offset: number, n: number): Promise<{ builds: Build[]; total: number }> {
    const key = this.db.keys.builderBuilds(builder);
    const [ids, total] = await Promise.all([this.db.redis.zrevrange(key, offset, offset + n - 1), this.db.redis.zcard(key)]);
    return { builds: await this.getMany(ids.map(Number)), total };
  }

  // ---- retention (src/data/prune.ts): what it reads and removes of builds, through here ----

  /** Every builder with stored builds (also those no longer in the config). */
  async builders(): Promise<string[]> {
    return (await this.db.scanKeys(this.db.keys.builderBuildsPattern)).map((k) => this.db.keys.builderOfBuildsKey(k)).sort();
  }

  /** A builder's builds, oldest first (by number), as retention walks them. */
  history(builder: string): HistoryIndex {
    return zsetHistory(this.db, this.db.keys.builderBuilds(builder));
  }

  /** The highest build number of `builder` pruned; `logs`: the highest whose logs retention has looked at. */
  prunedMark(builder: string, what: 'builds' | 'logs' = 'builds'): PrunedMark {
    return prunedMark(this.db, what === 'builds' ? this.db.keys.builderPruned(builder) : this.db.keys.builderLogsPruned(builder));
  }

  /** The builds stored at `ids`, in order, null where there is none. */
  async slots(ids: number[]): Promise<Array<Build | null>> {
    if (!ids.length) return [];
    return (await this.db.redis.mget(ids.map((id) => this.db.keys.build(id)))).map((r) => (r == null ? null : (JSON.parse(r) as Build)));
  }

  /** How many newer builds `builder` has than build `id` (null: not indexed). */
  newerThan(builder: string, id: number): Promise<number | null> {
    return this.db.redis.zrevrank(this.db.keys.builderBuilds(builder), String(id));
  }

  /** The number of the build at position `index` (oldest first) of `builder`, or null. */
  async numberAt(builder: string, index: number): Promise<number | null> {
    const r = await this.db.redis.zrange(this.db.keys.builderBuilds(builder), index, index, 'WITHSCORES');
    return r[1] === undefined ? null : Number(r[1]);
  }

  /** Build ids of `builder` numbered in (`after`, `upTo`], oldest first, at most `n`, with their numbers. */
  async numbered(builder: string, after: number, upTo: number, n: number): Promise<Array<{ id: number; number: number }>> {
    const flat = await this.db.redis.zrangebyscore(this.db.keys.builderBuilds(builder), `(${after}`, upTo, 'WITHSCORES', 'LIMIT', 0, n);
    const out: Array<{ id: number; number: number }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ id: Number(flat[i]), number: Number(flat[i + 1]) });
    return out;
  }

  /** Deletes a build record with its logs and test results (its index entry goes through `history`). Returns the keys deleted. */
  drop(m: Multi, b: Build): number {
    m.del(this.db.keys.build(b.id));
    return 1 + (b.logsPrunedAt ? 0 : this.dropLogs(m, b));
  }

  /** Deletes a build's logs and test results and says so in its record (`logsPrunedAt`). Returns the log keys deleted. */
  pruneLogs(m: Multi, b: Build, at: number): number {
    const n = this.dropLogs(m, b);
    this.writeBuild(m, { ...b, logsPrunedAt: at });
    return n;
  }

  private dropLogs(m: Multi, b: Build): number {
    return this.parts.logs.drop(m, b.id, b.steps.length) + this.parts.tests.drop(m, b.id);
  }

  /** Why `builder` has no build `number`: pruned by retention, not yet, or never. */
  async missing(builder: string, number: number): Promise<string> {
    const [pruned, last] = await Promise.all([this.db.redis.get(this.db.keys.builderPruned(builder)), this.db.redis.get(this.db.keys.builderNumber(builder))]);
    if (pruned !== null && number <= Number(pruned)) return `build ${builder} #${number} was pruned (retention.builds)`;
    if (last === null) return `${builder} has no builds yet`;
    return number > Number(last) ? `no build ${builder} #${number} (the last is #${last})` : `no build ${builder} #${number}`;
  }

  /** The key of the build id counter (for a read script that reads it with others). */
  lastIdKey(): string {
    return this.db.keys.seq('build');
  }

  /** The highest build id given out so far. */
  async lastId(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.seq('build'))) ?? 0);
  }

  async executorBuildIds(executor: string): Promise<number[]> {
    return (await this.db.redis.smembers(this.db.keys.executorBuilds(executor))).map(Number);
  }

  async executorLoad(executors: string[]): Promise<Map<string, number>> {
    const m = this.db.reads();
    for (const e of executors) m.scard(this.db.keys.executorBuilds(e));
    const res = (await m.exec()) ?? [];
    return new Map(executors.map((e, i) => [e, Number(res[i]?.[1] ?? 0)]));
  }

  /**
   * Builds held (load) and builders busy on each executor, in one round trip; with `builders`, the
   * head of each one's pending line too (RequestsRepo.pendingHeads), in the same transaction.
   */
  async executorSlots(
    executors: string[],
    builders: string[] = [],
  ): Promise<{ load: Map<string, number>; busy: Map<string, Set<string>>; heads: Map<string, { requestId: number; score: number }> }> {
    // One read script rather than a MULTI of a command per key: a fixed number of keys per shape is
    // defined once by its SHA (the number of keys is part of the definition).
    const keys: string[] = [];
    for (const e of executors) keys.push(this.db.keys.executorBuilds(e), this.db.keys.executorBusy(e));
    for (const b of builders) keys.push(this.parts.requests.pendingKey(b));
    const res = (await this.db.readScript(SLOTS_READ_SCRIPT, keys, [executors.length], `bbSlotsRead${keys.length}`)) as unknown[];
    return {
      load: new Map(executors.map((e, i) => [e, Number(res[2 * i] ?? 0)])),
      busy: new Map(executors.map((e, i) => [e, new Set((res[2 * i + 1] as string[] | undefined) ?? [])])),
      heads: this.parts.requests.heads(builders, res.slice(2 * executors.length).map((r): [null, unknown] => [null, r])),
    };
  }

  /** Builders with a build on each executor. */
  async executorBusy(executors: string[]): Promise<Map<string, Set<string>>> {
    const m = this.db.reads();
    for (const e of executors) m.smembers(this.db.keys.executorBusy(e));
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
  async claim(
    requestId: number,
    executor: string,
    steps: StepSpec[],
    properties: Record<string, unknown>,
    collapse: number[] = [],
  ): Promise<Build | null> {
    const others = [...new Set(collapse)].filter((id) => id !== requestId);
    const claimed = await this.parts.requests.withLocks([requestId, ...others], async () => {
      let req: BuildRequest | null;
      let skip: BuildRequest[] = [];
      let sets: BuildSet[];
      let changes: Change[] | undefined;
      let taken: [number, number] | undefined;
      if (!others.length) {
        // Nothing to collapse (most claims): the request, its BuildSet, the build's id and number and their changes in one round trip (fenced: it takes the ids).
        const [pre, post] = this.db.keys.builderNumber('\u0000').split('\u0000') as [string, string];
        const [rawReq, rawBs, id, num, ...rawChanges] = (await this.db.script(CLAIM_READ_SCRIPT, [this.parts.requests.key(requestId), this.db.keys.seq('build')], [
          this.parts.buildsets.key(0).slice(0, -1),
          this.parts.changes.key(0).slice(0, -1),
          pre,
          post,
        ], 'bbClaimRead')) as Array<string | number | null>;
        req = typeof rawReq === 'string' ? (JSON.parse(rawReq) as BuildRequest) : null;
        if (!req || req.state !== 'pending') return null;
        sets = typeof rawBs === 'string' ? [JSON.parse(rawBs) as BuildSet] : [];
        if (typeof id === 'number' && typeof num === 'number') taken = [id, num];
        changes = rawChanges.flatMap((c) => (typeof c === 'string' ? [JSON.parse(c) as Change] : []));
      } else {
        const [first, ...older] = await Promise.all([requestId, ...others].map((id) => this.parts.requests.get(id)));
        req = first ?? null;
        if (!req || req.state !== 'pending') return null;
        const builder = req.builder;
        skip = older.filter((r): r is BuildRequest => !!r && r.state === 'pending' && r.builder === builder).sort((a, b) => a.id - b.id);
        sets = await this.parts.buildsets.getMany([req.buildsetId, ...skip.map((r) => r.buildsetId)]);
      }
      const bs = sets.find((x) => x.id === req.buildsetId);
      if (!bs) return null;
      if (!taken) {
        // Fenced: an old leader that lost the lease gives out no build id or number (no gap in a builder's numbers).
        const ids = (await this.db.multi().incr(this.db.keys.seq('build')).incr(this.db.keys.builderNumber(req.builder)).exec()) ?? [];
        for (const [err] of ids) if (err) throw err;
        taken = ids.map(([, n]) => Number(n)) as [number, number];
      }
      const [buildId, number] = taken;
      const changeIds = skip.length ? [...new Set(sets.flatMap((x) => x.sourcestamp.changeIds))].sort((a, b) => a - b) : bs.sourcestamp.changeIds;
      changes ??= await this.parts.changes.getMany(changeIds);
      const blamelist = [...new Set(changes.map((c) => c.author))];
      const now = this.db.now();
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
      const m = this.db.multi();
      const token = this.db.fence?.token ?? null;
      this.parts.requests.dequeue(m, req);
      m.sadd(this.db.keys.executorBusy(executor), req.builder);
      this.parts.requests.write(m, updated);
      for (const r of skipped) {
        this.parts.requests.dequeue(m, r);
        this.parts.requests.write(m, r);
        this.parts.requests.noteCollapsed(m, r);
      }
      const raw = this.writeBuild(m, build);
      m.zadd(this.db.keys.builderBuilds(req.builder), number, String(buildId));
      m.zadd(this.db.keys.activeBuilds, buildId, String(buildId));
      m.sadd(this.db.keys.executorBuilds(executor), String(buildId));
      const res = (await m.exec()) ?? [];
      if (res.every(([err]) => !err)) this.remember(build, raw, token);
      return { build, skipped };
    });
    if (!claimed) return null;
    this.db.bus.emit('build.new', claimed.build);
    for (const r of claimed.skipped) await this.parts.buildsets.settle(r.buildsetId);
    return claimed.build;
  }

  /**
   * Apply an executor's events for one build in one read-modify-write: the build record, its log
   * chunks and test cases are written in one transaction, then the events are published in order.
   * Events whose token is not the build's current one, or that come after it finished, are ignored
   * (a lost executor's late results change nothing). Returns the build as stored, or null.
   */
  async applyEvents(buildId: number, token: string | null, events: BuildUpdate[], also?: RideAlong, pre?: Prefetched): Promise<Build | null> {
    if (!events.length) return null;
    const applied = await this.db.lock.run(`build:${buildId}`, async () => {
      const known = this.recalled(buildId) ?? this.fromPrefetch(buildId, pre);
      const b = known !== undefined ? known : await this.get(buildId);
      if (!b || b.state === 'finished' || (token !== null && b.token !== token)) return null;
      const m = this.db.multi();
      const writeToken = this.db.fence?.token ?? null;
      // A plain MULTI counts its own MULTI in `length` and drops its reply from exec()'s; a fenced one has neither.
      const queuedBefore = m.length;
      const emits: Array<() => void> = [];
      let next: Build = b;
      let logsAppended = 0;
      const logPushes: Array<{ step: number; at: number }> = [];
      for (const ev of events) {
        const now = this.db.now();
        switch (ev.type) {
          case 'build-started':
            // The executor's clock says when it started; another host's clock is kept within dispatch..now.
            if (next.state === 'dispatched') next = { ...next, state: 'running', startedAt: ev.at === undefined ? now : Math.min(now, Math.max(next.dispatchedAt, ev.at)) };
            break;
          case 'step-started': {
            const steps = [...next.steps];
            steps[ev.step] = { ...(steps[ev.step] ?? { name: ev.name }), name: ev.name, state: 'running', startedAt: now };
            next = { ...next, state: 'running', startedAt: next.startedAt ?? now, steps, currentStep: ev.step };
            const snap = next;
            emits.push(() => this.db.bus.emit('build.step', snap, ev.step));
            break;
          }
          case 'step-finished': {
            const steps = [...next.steps];
            const prev = steps[ev.step] ?? { name: `step-${ev.step}`, state: 'pending' as const };
            steps[ev.step] = { ...prev, state: ev.result === 'SKIPPED' ? 'skipped' : 'done', result: ev.result, finishedAt: now, ...(ev.text ? { text: ev.text } : {}) };
            next = { ...next, steps, currentStep: undefined };
            const snap = next;
            emits.push(() => this.db.bus.emit('build.step', snap, ev.step));
            break;
          }
          case 'properties':
            next = { ...next, properties: { ...next.properties, ...ev.properties } };
            break;
          case 'log': {
            logPushes.push({ step: ev.step, at: m.length - queuedBefore });
            this.parts.logs.append(m, buildId, ev.step, ev.stream, ev.text);
            logsAppended += 1;
            const snap = next;
            emits.push(() => this.db.bus.emit('build.log', snap, ev.step, ev.text));
            break;
          }
          case 'tests': {
            this.parts.tests.append(m, buildId, ev.tests);
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
            m.zrem(this.db.keys.activeBuilds, String(next.id));
            m.srem(this.db.keys.executorBuilds(next.executor), String(next.id));
            m.srem(this.db.keys.executorBusy(next.executor), next.builder);
            this.parts.announcements.due(m, { kind: 'finished', id: next.id });
            const steps = next.steps.map((st) => (st.state === 'running' ? { ...st, state: 'done' as const, result: ev.result, finishedAt: now } : st));
            next = { ...next, state: 'finished', result: ev.result, finishedAt: now, steps, currentStep: undefined, ...(ev.text ? { text: ev.text } : {}) };
            break;
          }
        }
        if (next.state === 'finished') break;
      }
      if (b.state === 'dispatched' && next.state !== 'dispatched') {
        this.parts.announcements.due(m, { kind: 'started', id: next.id });
        const snap = next;
        emits.unshift(() => this.db.bus.emit('build.started', snap));
      }
      const raw = this.writeBuild(m, next);
      // Queued last, so the log pushes' reply positions stay as counted.
      also?.queue(m);
      const results = (await m.exec()) ?? [];
      if (results.every(([err]) => !err)) this.remember(next, raw, writeToken);
      if (also) also.done = true;
      if (logsAppended) await this.parts.logs.cap(buildId, logPushes, results);
      for (const e of emits) e();
      return next;
    });
    if (applied?.state === 'finished') {
      this.db.bus.emit('build.finished', applied);
      await this.parts.buildsets.settleRequest(applied);
    }
    return applied;
  }


  /**
   * End a build from the master's side (executor lost, dispatch failed, job refused). RETRY puts its
   * request back in line (same place); any other result completes the request and may fail or
   * complete the BuildSet. `token` null matches any attempt.
   */
  async finish(buildId: number, token: string | null, result: Result, text?: string): Promise<Build | null> {
    return this.applyEvents(buildId, token, [{ type: 'build-finished', result, ...(text ? { text } : {}) }]);
  }

  private writeBuild(m: Multi, b: Build): string {
    const raw = JSON.stringify(b);
    m.set(this.db.keys.build(b.id), raw);
    this.noteWrite(b.id);
    // Until its transaction is known to have gone through, the copy is not to be recalled.
    this.written.delete(b.id);
    return raw;
  }

  private noteWrite(id: number): void {
    this.lastWrite.delete(id);
    this.lastWrite.set(id, ++this.stamp);
    if (this.lastWrite.size > REMEMBERED_WRITES) {
      const [oldest, at] = this.lastWrite.entries().next().value!;
      this.lastWrite.delete(oldest);
      this.floor = Math.max(this.floor, at);
    }
  }

  /**
   * Reads several builds in one round trip, for the applyEvents of one executor message that
   * carries events of several builds: each record read is used only if this process sent no
   * write of that build after the read (else it is read again under the build's lock).
   */
  async prefetch(all: number[]): Promise<Prefetched> {
    const at = this.stamp;
    // Builds this process wrote last need no read (applyEvents recalls them).
    const ids = all.filter((id) => this.recalledRaw(id) === undefined);
    const raws = ids.length ? await this.db.redis.mget(ids.map((id) => this.db.keys.build(id))) : [];
    return { at, raw: new Map(ids.map((id, i) => [id, raws[i] ?? null])) };
  }

  /** The build as prefetched, when nothing of it was written since; undefined: read it. */
  private fromPrefetch(id: number, pre?: Prefetched): Build | null | undefined {
    if (!pre || !pre.raw.has(id) || (this.lastWrite.get(id) ?? this.floor) > pre.at) return undefined;
    const raw = pre.raw.get(id);
    return raw == null ? null : (JSON.parse(raw) as Build);
  }
}
