import type { Redis } from 'ioredis';
import type { Change, ChangeFields } from '../model/change.js';
import type { Build, BuildRequest, BuildSet, TestCaseResult } from '../model/build.js';
import type { Result } from '../model/results.js';
import type { StepSpec } from '../model/steps.js';
import type { ConfigSummary, ExecutorRecord } from '../model/records.js';
import { AnnouncementsRepo } from './announcements.js';
import { BuildsRepo, type BuildUpdate, type Prefetched, type RideAlong } from './builds.js';
import { BuildSetsRepo, type NewBuildSet } from './buildsets.js';
import { ChangesRepo, type PollerTips } from './changes.js';
import { ClaimsRepo } from './claims.js';
import { attachDb, Db } from './db.js';
import type { DataBus } from './events.js';
import { ExecutorsRepo } from './executors.js';
import { FlakyRepo } from './flaky-repo.js';
import { OutboxRepo } from './outbox-repo.js';
import { HassleRepo } from './hassle.js';
import { LogsRepo } from './logs.js';
import { MasterStateRepo } from './master-state.js';
import { ProblemsRepo } from './problems.js';
import { RequestsRepo } from './requests.js';
import { ReconfigRepo } from './reconfig.js';
import { RetentionRepo } from './retention-state.js';
import { SchedulerStateRepo } from './schedulers.js';
import { SubscriptionsRepo } from './subscriptions.js';
import { TestsRepo } from './tests.js';
import { TiersRepo } from './tiers.js';
import { TimedRepo } from './timed.js';
import { UsersRepo } from './users.js';
import { VerificationsRepo } from './verifications.js';
import { WatchesRepo } from './watches.js';

export type { BuildUpdate, NewBuildSet, PollerTips, RideAlong };

/**
 * bb's state in Redis: one repository per resource over one `Db` handle. Each repository alone
 * writes its keys (all named in keys.ts) and publishes its events on `bus` after the write, with
 * the stored record. Nothing outside src/data touches Redis for state; the connection is not
 * exposed. The pipeline's reads and writes are also methods here (they delegate to the
 * repositories), so callers say `store.getBuild(id)` as before.
 */
export class Store {
  readonly bus: DataBus;
  readonly changes: ChangesRepo;
  readonly requests: RequestsRepo;
  readonly buildsets: BuildSetsRepo;
  readonly logs: LogsRepo;
  readonly tests: TestsRepo;
  readonly builds: BuildsRepo;
  /** Build announcements due (stored with the build's writes) and taken by the announcer. */
  readonly announcements: AnnouncementsRepo;
  readonly executors: ExecutorsRepo;
  readonly schedulers: SchedulerStateRepo;
  readonly timed: TimedRepo;
  readonly master: MasterStateRepo;
  readonly users: UsersRepo;
  readonly claims: ClaimsRepo;
  readonly verifications: VerificationsRepo;
  readonly problems: ProblemsRepo;
  readonly hassle: HassleRepo;
  readonly tiers: TiersRepo;
  readonly subscriptions: SubscriptionsRepo;
  readonly watches: WatchesRepo;
  /** Retention's own marks and last pass (src/data/prune.ts). */
  readonly retention: RetentionRepo;
  /** What bb has still to say on each chat transport, and the DM rooms it uses. */
  readonly outbox: OutboxRepo;
  /** The Problem detector's memory of flaky tests. */
  readonly flaky: FlakyRepo;
  /** `bb reconfig` requests, read by every master, and their answers. */
  readonly reconfig: ReconfigRepo;
  private readonly db: Db;

  constructor(redis: Redis, prefix: string, now: () => number = Date.now) {
    const db = (this.db = new Db(redis, prefix, now));
    attachDb(this, db);
    this.bus = db.bus;
    this.changes = new ChangesRepo(db);
    this.requests = new RequestsRepo(db);
    this.buildsets = new BuildSetsRepo(db, this.requests);
    this.logs = new LogsRepo(db);
    this.tests = new TestsRepo(db);
    this.announcements = new AnnouncementsRepo(db);
    this.builds = new BuildsRepo(db, { changes: this.changes, requests: this.requests, buildsets: this.buildsets, logs: this.logs, tests: this.tests, announcements: this.announcements });
    this.executors = new ExecutorsRepo(db, this.announcements);
    this.schedulers = new SchedulerStateRepo(db);
    this.timed = new TimedRepo(db, this.schedulers);
    this.master = new MasterStateRepo(db);
    this.users = new UsersRepo(db);
    this.claims = new ClaimsRepo(db);
    this.verifications = new VerificationsRepo(db);
    this.problems = new ProblemsRepo(db, this.announcements);
    this.hassle = new HassleRepo(db);
    this.tiers = new TiersRepo(db);
    this.subscriptions = new SubscriptionsRepo(db);
    this.watches = new WatchesRepo(db);
    this.retention = new RetentionRepo(db);
    this.outbox = new OutboxRepo(db);
    this.flaky = new FlakyRepo(db, this.problems);
    this.reconfig = new ReconfigRepo(db);
  }

  /**
   * This store seen through another bus (a scope of `bus`): the same repositories and connection,
   * for the parts of one leadership term, whose listeners go with the scope.
   */
  withBus(bus: DataBus): Store {
    const view = Object.create(this, { bus: { value: bus, enumerable: true } }) as Store;
    attachDb(view, this.db);
    return view;
  }

  /**
   * Throws NotLeaderError unless this master leads (nothing outside leader election): asked before
   * what a fenced write cannot cover, such as a mail going out.
   */
  async assertLeading(): Promise<void> {
    const db = this.db;
    if (db.fence) await db.write((m) => m.exists(db.fence!.leaderKey));
  }

  /** Milliseconds of one Redis round trip (PING), for /healthz and /metrics. */
  async roundTrip(): Promise<number> {
    const t = performance.now();
    await this.db.redis.ping();
    return performance.now() - t;
  }

  /** Closes the connection (the master's stop, a CLI command's end). */
  async close(): Promise<void> {
    const redis = this.db.unfenced;
    // QUIT waits for Redis's answer, retrying for about half a minute while Redis is away: a
    // connection that is not up is dropped at once (nothing is pending on it that Redis would keep).
    if (redis.status !== 'ready') return void redis.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  }

  /** Drops the connection at once, without waiting for replies (tests use it to act out a crash). */
  abort(): void {
    this.db.unfenced.disconnect();
  }

  /** The configured key prefix (`bb` by default). */
  get prefix(): string {
    return this.db.keys.prefix;
  }

  // ---- changes ------------------------------------------------------------------------------

  addChange(fields: ChangeFields, key?: string): Promise<Change | null> {
    return this.changes.add(fields, key);
  }
  addPolledChanges(list: ChangeFields[], tips: PollerTips): Promise<Change[]> {
    return this.changes.addPolledChanges(list, tips);
  }
  addChanges(items: Array<{ fields: ChangeFields; key?: string; keyTtlSec?: number }>): Promise<Change[]> {
    return this.changes.addChanges(items);
  }
  /** How many replicas confirm, within `ms`, every write made on this store's connection so far (WAIT). */
  waitForReplicas(replicas: number, ms: number): Promise<number> {
    return this.db.redis.wait(replicas, ms);
  }
  getChange(id: number): Promise<Change | null> {
    return this.changes.get(id);
  }
  getChanges(ids: number[]): Promise<Change[]> {
    return this.changes.getMany(ids);
  }
  lastChangeId(): Promise<number> {
    return this.changes.lastId();
  }
  changeIdsAfter(after: number, limit: number): Promise<number[]> {
    return this.changes.idsAfter(after, limit);
  }
  recentChanges(n: number): Promise<Change[]> {
    return this.changes.recent(n);
  }
  pollerTips(poller: string): Promise<Record<string, string>> {
    return this.changes.pollerTips(poller);
  }

  // ---- build sets and requests --------------------------------------------------------------

  createBuildSet(spec: NewBuildSet): Promise<{ buildset: BuildSet; requests: BuildRequest[] }> {
    return this.buildsets.create(spec);
  }
  getBuildSet(id: number): Promise<BuildSet | null> {
    return this.buildsets.get(id);
  }
  getBuildSets(ids: number[]): Promise<BuildSet[]> {
    return this.buildsets.getMany(ids);
  }
  buildSetIdsAfter(after: number, limit: number): Promise<number[]> {
    return this.buildsets.idsAfter(after, limit);
  }
  lastBuildSetId(): Promise<number> {
    return this.buildsets.lastId();
  }
  cancelPending(requestIds: number[], supersededBy: number, text: string): Promise<BuildRequest[]> {
    return this.buildsets.cancelPending(requestIds, supersededBy, text);
  }
  getRequest(id: number): Promise<BuildRequest | null> {
    return this.requests.get(id);
  }
  getRequests(ids: number[]): Promise<BuildRequest[]> {
    return this.requests.getMany(ids);
  }
  pendingCount(builders: string[]): Promise<number> {
    return this.requests.pendingCount(builders);
  }
  pendingByBuilder(builders: string[]): Promise<Map<string, number>> {
    return this.requests.pendingByBuilder(builders);
  }
  pendingHeads(builders: string[]): Promise<Map<string, { requestId: number; score: number }>> {
    return this.requests.pendingHeads(builders);
  }
  pendingOf(builder: string, limit?: number): Promise<number[]> {
    return this.requests.pendingOf(builder, limit);
  }
  dropStalePending(builder: string, requestId: number): Promise<void> {
    return this.requests.dropStalePending(builder, requestId);
  }
  markSuperseded(requestId: number, supersededBy: number, text: string): Promise<BuildRequest | null> {
    return this.requests.markSuperseded(requestId, supersededBy, text);
  }
  supersededCounts(builders: string[]): Promise<Map<string, { collapsed: number; superseded: number }>> {
    return this.requests.supersededCounts(builders);
  }
  recentSuperseded(builder: string, n: number): Promise<BuildRequest[]> {
    return this.requests.recentSuperseded(builder, n);
  }

  // ---- builds, logs, test results -----------------------------------------------------------

  claimRequest(requestId: number, executor: string, steps: StepSpec[], properties: Record<string, unknown>, collapse?: number[]): Promise<Build | null> {
    return this.builds.claim(requestId, executor, steps, properties, collapse);
  }
  applyBuildEvents(buildId: number, token: string | null, events: BuildUpdate[], also?: RideAlong, pre?: Prefetched): Promise<Build | null> {
    return this.builds.applyEvents(buildId, token, events, also, pre);
  }
  /** Reads builds ahead in one round trip for applyBuildEvents (see BuildsRepo.prefetch). */
  prefetchBuilds(ids: number[]): Promise<Prefetched> {
    return this.builds.prefetch(ids);
  }
  finishBuild(buildId: number, token: string | null, result: Result, text?: string): Promise<Build | null> {
    return this.builds.finish(buildId, token, result, text);
  }
  getBuild(id: number): Promise<Build | null> {
    return this.builds.get(id);
  }
  getBuilds(ids: number[]): Promise<Build[]> {
    return this.builds.getMany(ids);
  }
  buildByNumber(builder: string, number: number): Promise<Build | null> {
    return this.builds.byNumber(builder, number);
  }
  lastBuilds(builder: string, n: number): Promise<Build[]> {
    return this.builds.last(builder, n);
  }
  activeBuilds(): Promise<Build[]> {
    return this.builds.active();
  }
  executorBuildIds(executor: string): Promise<number[]> {
    return this.builds.executorBuildIds(executor);
  }
  executorLoad(executors: string[]): Promise<Map<string, number>> {
    return this.builds.executorLoad(executors);
  }
  executorBusy(executors: string[]): Promise<Map<string, Set<string>>> {
    return this.builds.executorBusy(executors);
  }
  /** Each executor's load and busy builders; with `builders`, their pending heads too (one round trip). */
  executorSlots(
    executors: string[],
    builders?: string[],
  ): Promise<{ load: Map<string, number>; busy: Map<string, Set<string>>; heads: Map<string, { requestId: number; score: number }> }> {
    return this.builds.executorSlots(executors, builders);
  }
  readLog(buildId: number, step: number, from?: number): Promise<{ chunks: Array<{ stream: string; text: string }>; next: number }> {
    return this.logs.read(buildId, step, from);
  }
  getTests(buildId: number): Promise<TestCaseResult[]> {
    return this.tests.get(buildId);
  }

  // ---- executors, schedulers, the master ----------------------------------------------------

  getExecutor(name: string): Promise<ExecutorRecord | null> {
    return this.executors.get(name);
  }
  getExecutors(names: string[]): Promise<ExecutorRecord[]> {
    return this.executors.getMany(names);
  }
  putExecutor(rec: ExecutorRecord, prevState?: ExecutorRecord['state']): Promise<void> {
    return this.executors.put(rec, prevState);
  }
  /** The executor watchdog's write: it returns only once Redis takes writes again. */
  executorWatchdogTick(at: number): Promise<void> {
    return this.executors.watchdogTick(at);
  }

  touchExecutor(rec: ExecutorRecord): Promise<void> {
    return this.executors.touch(rec);
  }
  schedulerCursor(): Promise<number> {
    return this.schedulers.cursor();
  }
  putConfigSummary(summary: ConfigSummary): Promise<void> {
    return this.master.putConfigSummary(summary);
  }
  configSummary(): Promise<ConfigSummary | null> {
    return this.master.configSummary();
  }
}
