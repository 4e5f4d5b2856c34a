import { forbidLateJob, retryOrphans } from './orphans.js';
import { retryBuildsItNoLongerRuns } from './executor-reconcile.js';
import type { Logger } from '../log.js';
import type { RideAlong, Store } from '../data/store.js';
import type { ExecutorRecord } from '../model/records.js';
import type { MasterConfig } from '../config/schema.js';
import type { MasterQueues } from '../queue/master-queues.js';
import {
  executorMessagePayloadSchema,
  isBuildEvent,
  type BuildEvent,
  signedExecutorMessageSchema,
  type ExecutorEvent,
  type ExecutorMessagePayload,
} from '../queue/jobs.js';
import { verify } from '../queue/signing.js';
import type { BuildTracker } from './tracker.js';

/**
 * Authenticates executor messages and keeps each executor's record: connected on a valid hello,
 * lost when its heartbeats stop (its builds end as RETRY and go back in line), offline on goodbye.
 * A message whose signature does not verify under the executor's configured secret is dropped:
 * an executor without valid credentials is never registered and so never receives a job.
 *
 * Freshness: within the current session, only messages with a higher seq than any seen count (a
 * replayed message changes nothing); a new session is accepted only from a hello sent within
 * HELLO_MAX_AGE_MS of now and after the current session's hello, so a replayed hello of any age
 * changes nothing either. An accepted hello is answered with a signed session record (see
 * src/queue/session.ts): only the process it names takes jobs. A refused process (wrong secret,
 * or a live process replaced by a newer one) is logged, recorded for `bb status` and announced.
 */
/** A hello older than this (by the master's clock) does not start a session. */
export const HELLO_MAX_AGE_MS = 5 * 60_000;

export class ExecutorRegistry {
  private watchdog?: NodeJS.Timeout;
  private graceUntil = 0;
  private startedAt = 0;
  /** Wall-clock start of this leadership term, and whether builds orphaned by the last one were judged (orphans.ts). */
  private termStart = 0;
  private orphansDone = false;
  /** Highest seq seen per executor, for its current session (also stored in its record). */
  private readonly lastSeq = new Map<string, { session: string; seq: number }>();
  /** `<executor>/<session>` of processes already reported as refused. */
  private readonly reported = new Set<string>();
  /** Host named by each session's hello, to say which process is which. */
  private readonly hosts = new Map<string, string>();
  private checking = false;
  /** When the watchdog's last write went through. */
  private lastTick?: number;
  /**
   * Each executor's record as this master last wrote or read it. Only the master writes executor
   * records (through here), so a message needs no read of its sender's record.
   */
  private readonly records = new Map<string, ExecutorRecord>();

  constructor(
    private readonly store: Store,
    private readonly queues: MasterQueues,
    private readonly config: MasterConfig,
    private readonly secrets: Map<string, string>,
    private readonly tracker: BuildTracker,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.reaccept();
    // Messages queued while the master was down arrive first; give executors one timeout to be heard.
    this.startedAt = this.now();
    this.termStart = Date.now();
    this.graceUntil = this.startedAt + this.config.executorTimeout * 1000;
    const every = Math.min(1000, (this.config.executorTimeout * 1000) / 4);
    this.watchdog = setInterval(() => void this.checkTimeouts().catch((err) => this.log.error({ err }, 'executor watchdog failed')), every);
  }

  /**
   * Every executor proves its secret to this master anew (at start and on a config reload): without
   * this, a process whose secret the config no longer has would still read the old record as its own.
   */
  async reaccept(): Promise<void> {
    await this.queues.clearSessions(this.config.executors.map((e) => e.name));
  }

  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }

  /** One message from the executor-events queue. Returns false when it was rejected. */
  /** `from`: the executor whose own queue the message came from; a message naming another is dropped. */
  async handle(data: unknown, from?: string): Promise<boolean> {
    const outer = signedExecutorMessageSchema.safeParse(data);
    if (!outer.success) {
      this.log.warn({ issues: outer.error.issues.slice(0, 3) }, 'malformed executor message');
      return false;
    }
    const payload = executorMessagePayloadSchema.safeParse(outer.data.payload);
    if (!payload.success) {
      this.log.warn({ issues: payload.error.issues.slice(0, 3) }, 'malformed executor message');
      return false;
    }
    const msg = payload.data;
    if (from !== undefined && msg.executor !== from) {
      this.log.warn({ executor: from, claimed: msg.executor }, 'executor message on another executor\'s queue dropped');
      return false;
    }
    const secret = this.secrets.get(msg.executor);
    if (!secret || !verify(outer.data.payload, outer.data.sig, secret)) {
      this.log.warn({ executor: msg.executor, session: msg.session, known: Boolean(secret) }, 'executor authentication failed');
      if (secret) await this.refuse(msg, 'its messages do not verify under the secret configured for this executor (a stale secret file, or an old process left running?)');
      return false;
    }
    return this.apply(msg);
  }

  /** Log, record and announce (once per process) a process refused under an executor's name. */
  private async refuse(msg: ExecutorMessagePayload, reason: string): Promise<void> {
    const key = `${msg.executor}/${msg.session}`;
    if (this.reported.has(key)) return;
    if (this.reported.size > 1000) this.reported.clear();
    this.reported.add(key);
    const hello = msg.events.find((e) => e.type === 'hello');
    const hostname = hello?.type === 'hello' ? hello.hostname : (this.hosts.get(msg.session) ?? 'unknown host');
    this.log.error({ executor: msg.executor, session: msg.session, hostname, reason }, 'executor process refused');
    await this.store.executors.putRefused({ name: msg.executor, session: msg.session, hostname, reason, at: this.now() });
  }

  /** The highest seq of the record's session this master has applied. */
  private lastSeqOf(executor: string, rec: ExecutorRecord): number {
    const seen = this.lastSeq.get(executor);
    return Math.max(rec.seq, seen?.session === rec.session ? seen.seq : -1);
  }

  /** Whether a message is fresh: a higher seq in the current session, or a recent, newer hello. */
  private fresh(msg: ExecutorMessagePayload, rec: ExecutorRecord | null, log: Logger): boolean {
    if (rec && rec.session === msg.session) {
      const last = this.lastSeqOf(msg.executor, rec);
      if (msg.seq <= last) {
        log.warn({ seq: msg.seq, last }, 'replayed or repeated executor message ignored');
        return false;
      }
      return true;
    }
    if (!msg.events.some((e) => e.type === 'hello')) return true;
    const age = this.now() - msg.sentAt;
    if (Math.abs(age) > HELLO_MAX_AGE_MS) {
      log.warn({ ageMs: age }, 'hello outside the time window ignored (replayed, or this host\'s clock is off)');
      return false;
    }
    if (rec && msg.sentAt <= (rec.helloSentAt ?? 0)) {
      log.warn({ sentAt: msg.sentAt, current: rec.session }, 'hello older than the current session\'s ignored');
      return false;
    }
    return true;
  }

  private async apply(msg: ExecutorMessagePayload): Promise<boolean> {
    const log = this.log.child({ executor: msg.executor, session: msg.session });
    let rec = this.records.get(msg.executor) ?? (await this.store.getExecutor(msg.executor));
    if (rec) this.records.set(rec.name, rec);
    if (rec && rec.session === msg.session && msg.seq <= this.lastSeqOf(msg.executor, rec)) {
      // This master remembers applying it, but a Redis failover can lose the last writes (the
      // message's effects and its queue job's completion): the job comes back. Redis decides.
      const stored = await this.store.getExecutor(msg.executor);
      if (stored && stored.session === msg.session && stored.seq < msg.seq) {
        log.warn({ seq: msg.seq, remembered: this.lastSeqOf(msg.executor, rec), stored: stored.seq }, 'executor message applied before but not in Redis (writes lost in a failover): applying it again');
        this.lastSeq.delete(msg.executor);
        this.records.set(stored.name, stored);
        rec = stored;
      }
    }
    if (!this.fresh(msg, rec, log)) return false;
    if (rec && rec.session === msg.session) this.lastSeq.set(msg.executor, { session: msg.session, seq: msg.seq });
    let builds: BuildEvent[] = [];
    const flushBuilds = async (also?: RideAlong) => {
      if (builds.length) await this.tracker.handle(msg.executor, builds, also);
      builds = [];
    };
    for (const ev of msg.events) {
      if (isBuildEvent(ev)) {
        if (rec && rec.session === msg.session && rec.state === 'lost') {
          const prev = rec.state;
          rec = { ...rec, state: 'connected', lastSeen: this.now(), connectedAt: this.now() };
          delete rec.reason;
          await this.put(rec, prev);
          log.info('executor is back');
        }
        // Events of a session we never saw a hello for predate a restart we already handled;
        // their tokens decide whether they still count.
        builds.push(ev);
        continue;
      }
      await flushBuilds();
      if (ev.type === 'hello') {
        rec = await this.hello(msg, ev, rec, log);
        continue;
      }
      if (!rec || rec.session !== msg.session) {
        // A process that is still talking after a newer one was accepted under its name.
        if (rec && ev.type !== 'job-refused' && msg.sentAt > (rec.helloSentAt ?? Infinity) && this.hosts.has(msg.session)) {
          await this.refuse(msg, `replaced by a newer process on ${rec.hostname} (session ${rec.session}); it was told to stop`);
        }
        continue;
      }
      if (ev.type === 'goodbye') {
        const prev = rec.state;
        rec = { ...rec, state: 'offline', lastSeen: this.now(), reason: ev.reason ?? 'shut down' };
        await this.put(rec, prev);
        await this.retryBuildsOf(rec.name, 'executor shut down');
        log.info('executor said goodbye');
        continue;
      }
      if (ev.type === 'job-refused') {
        await this.jobRefused(msg.executor, ev.jobId, ev.reason, log);
        continue;
      }
      if (ev.type === 'stopping') {
        const prev = rec.state;
        rec = { ...rec, state: 'stopping', lastSeen: this.now(), reason: ev.handBack ? 'stopping, handing builds back' : 'stopping after its running builds' };
        await this.put(rec, prev);
        log.info({ handBack: ev.handBack }, 'executor is stopping');
        continue;
      }
      if (ev.type === 'heartbeat') {
        // A lost executor that is heard from again (a network partition healed) is back; one that said goodbye stays gone.
        if (rec.state === 'lost') {
          const prev = rec.state;
          rec = { ...rec, state: 'connected', lastSeen: this.now(), connectedAt: this.now() };
          delete rec.reason;
          await this.put(rec, prev);
          log.info('executor is back');
        }
        await retryBuildsItNoLongerRuns(this.store, msg.executor, ev.running, log);
      }
    }
    // The seq is stored with every message, so a master restart keeps refusing replays: in the
    // same transaction as the message's last build events when it ends with some (most do).
    const seen = rec && rec.session === msg.session && rec.seq < msg.seq ? { ...rec, lastSeen: this.now(), seq: msg.seq } : null;
    const also: RideAlong | undefined = seen ? { queue: (m) => this.store.executors.touchIn(m, seen), done: false } : undefined;
    await flushBuilds(also);
    if (seen) {
      if (also?.done) this.records.set(seen.name, seen);
      else await this.touch(seen);
    }
    return true;
  }

  private async hello(
    msg: ExecutorMessagePayload,
    ev: Extract<ExecutorEvent, { type: 'hello' }>,
    prev: ExecutorRecord | null,
    log: Logger,
  ): Promise<ExecutorRecord> {
    const restarted = Boolean(prev && prev.session !== msg.session);
    // The executor restarted: jobs waiting for the old process go now, before the new record lets
    // the distributor hand out new ones; its running builds are retried once the record is written.
    if (restarted) await this.dropJobs(msg.executor);
    const cfg = this.config.executors.find((e) => e.name === msg.executor);
    this.hosts.set(msg.session, ev.hostname);
    if (this.hosts.size > 1000) this.hosts.delete(this.hosts.keys().next().value!);
    this.lastSeq.set(msg.executor, { session: msg.session, seq: msg.seq });
    const rec: ExecutorRecord = {
      name: msg.executor,
      state: 'connected',
      session: msg.session,
      seq: msg.seq,
      helloSentAt: msg.sentAt,
      slots: Math.min(ev.slots, cfg?.maxBuilds ?? ev.slots),
      ...(ev.builders ? { builders: ev.builders } : {}),
      ...(ev.jobList ? { jobList: true } : {}),
      hostname: ev.hostname,
      version: ev.version,
      connectedAt: this.now(),
      lastSeen: this.now(),
    };
    await this.put(rec, prev?.session === msg.session ? prev.state : undefined);
    await this.queues.putSession({ executor: msg.executor, session: msg.session, hostname: ev.hostname, acceptedAt: this.now(), ...(ev.jobList ? { jobList: true } : {}) }, this.secrets.get(msg.executor) ?? '');
    if (restarted) await this.finishBuildsOf(msg.executor, 'executor restarted');
    log.info({ slots: rec.slots, hostname: rec.hostname }, 'executor connected');
    if (ev.heartbeatMs && this.config.executorTimeout * 1000 < 3 * ev.heartbeatMs) {
      // A timeout this close to the heartbeat declares healthy executors lost and retries their builds.
      log.warn({ executorTimeout: this.config.executorTimeout, heartbeatMs: ev.heartbeatMs }, 'executorTimeout is shorter than three heartbeats');
    }
    return rec;
  }

  /** An executor would not run a job (bad signature, expired, …): the build ends as EXCEPTION rather than hold a slot. */
  private async jobRefused(executor: string, jobId: string, reason: string, log: Logger): Promise<void> {
    log.warn({ jobId, reason }, 'executor refused a job');
    const m = /^build-(\d+)$/.exec(jobId);
    if (!m) return;
    const build = await this.store.getBuild(Number(m[1]));
    if (build && build.executor === executor && build.state !== 'finished') {
      // A job given to the process before a restart is refused by the new one: run it again.
      const stale = reason.startsWith('job is for session');
      await this.store.finishBuild(build.id, null, stale ? 'RETRY' : 'EXCEPTION', `refused by executor ${executor}: ${reason}`);
    }
  }

  /** End every build an executor holds as RETRY; their requests go back in line. */
  async retryBuildsOf(executor: string, reason: string): Promise<void> {
    await this.dropJobs(executor);
    await this.finishBuildsOf(executor, reason);
  }

  private async dropJobs(executor: string): Promise<void> {
    // If this fails, its builds must still be retried (their tokens make a late start harmless).
    await this.queues.dropExecutorJobs(executor).catch((err) => this.log.warn({ err, executor }, 'could not drop a lost executor\'s queued jobs'));
  }

  private async finishBuildsOf(executor: string, reason: string): Promise<void> {
    for (const id of await this.store.executorBuildIds(executor)) {
      const b = await this.store.finishBuild(id, null, 'RETRY', reason);
      if (b) this.log.warn({ buildId: b.id, builder: b.builder, number: b.number, executor, reason }, 'build will be retried');
    }
  }

  private async checkTimeouts(): Promise<void> {
    // One check at a time: checks that piled up while Redis was away would each declare the same
    // executor lost once it is back.
    if (this.checking) return;
    this.checking = true;
    try {
      await this.checkTimeoutsOnce();
    } finally {
      this.checking = false;
    }
  }

  private async checkTimeoutsOnce(): Promise<void> {
    const now = this.now();
    const limit = this.config.executorTimeout * 1000;
    // Judge silence only over time this master could itself write: while Redis took no writes (a
    // restart, a Sentinel failover with min-replicas-to-write) or this master was not running its
    // checks (paused, overloaded), executors' heartbeats could not get through either.
    await this.store.executorWatchdogTick(now);
    const answered = this.now();
    const previous = this.lastTick;
    this.lastTick = answered;
    if (answered - now > limit / 2 || (previous !== undefined && now - previous > limit / 2)) {
      this.graceUntil = Math.max(this.graceUntil, answered + limit);
      this.log.warn({ waitedMs: answered - now, sincePreviousMs: previous === undefined ? undefined : now - previous }, 'the executor watchdog could not write for a while; executors get a full executorTimeout to be heard');
    }
    if (!this.orphansDone) this.orphansDone = await retryOrphans(this.store, this.queues, this.termStart, this.log, this.secrets);
    // A build-started sent while this master was down is read within startTimeout of its start.
    if (now >= this.startedAt + this.config.startTimeout * 1000) await this.checkUnstarted(now);
    if (answered < this.graceUntil) return;
    const recs = await this.store.getExecutors(this.config.executors.map((e) => e.name));
    for (const rec of recs) {
      if ((rec.state !== 'connected' && rec.state !== 'stopping') || now - rec.lastSeen <= limit) continue;
      const lost: ExecutorRecord = { ...rec, state: 'lost', reason: `no heartbeat for ${Math.round((now - rec.lastSeen) / 1000)} s` };
      await this.put(lost, rec.state);
      this.log.warn({ executor: rec.name, lastSeen: rec.lastSeen }, 'executor lost');
      await this.retryBuildsOf(rec.name, 'executor lost');
    }
  }

  /** Builds dispatched longer than startTimeout ago and not started: take the job back, retry. */
  private async checkUnstarted(now: number): Promise<void> {
    const limit = this.config.startTimeout * 1000;
    for (const b of await this.store.activeBuilds()) {
      if (b.state !== 'dispatched' || now - b.dispatchedAt <= limit) continue;
      const withdrawn = await this.queues.withdraw(b.executor, b.id).catch(() => false);
      const text = `not started within ${this.config.startTimeout} s by executor ${b.executor}`;
      const done = await this.store.finishBuild(b.id, null, 'RETRY', text);
      if (done) this.log.warn({ buildId: b.id, builder: b.builder, number: b.number, executor: b.executor, withdrawn }, 'dispatched build not started; it will be retried');
      // Its job was not on the queue to withdraw: the executor has it, or it comes late (a leader that lost the lead).
      if (done && !withdrawn) await forbidLateJob(this.queues, b, this.secrets.get(b.executor) ?? '', this.log);
    }
  }

  private async put(rec: ExecutorRecord, prevState?: ExecutorRecord['state']): Promise<void> {
    this.records.delete(rec.name);
    await this.store.putExecutor(rec, prevState);
    this.records.set(rec.name, rec);
  }

  private async touch(rec: ExecutorRecord): Promise<void> {
    this.records.delete(rec.name);
    await this.store.touchExecutor(rec);
    this.records.set(rec.name, rec);
  }

  /** Connected executors, for the distributor. */
  async connected(): Promise<ExecutorRecord[]> {
    const names = this.config.executors.map((e) => e.name);
    // Records this master wrote are known; the store is read only for those it has not seen yet.
    const unknown = names.filter((n) => !this.records.has(n));
    if (unknown.length) for (const r of await this.store.getExecutors(unknown)) if (!this.records.has(r.name)) this.records.set(r.name, r);
    return names.flatMap((n) => {
      const r = this.records.get(n);
      return r?.state === 'connected' ? [r] : [];
    });
  }
}
