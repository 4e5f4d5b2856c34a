import type { Logger } from '../log.js';
import type { Store } from '../data/store.js';
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
 */
/** How often an executor's last-seen time is written. */
const TOUCH_EVERY_MS = 500;

export class ExecutorRegistry {
  private watchdog?: NodeJS.Timeout;
  private graceUntil = 0;

  constructor(
    private readonly store: Store,
    private readonly queues: MasterQueues,
    private readonly config: MasterConfig,
    private readonly secrets: Map<string, string>,
    private readonly tracker: BuildTracker,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    // Messages queued while the master was down arrive first; give executors one timeout to be heard.
    this.graceUntil = this.now() + this.config.executorTimeout * 1000;
    const every = Math.min(1000, (this.config.executorTimeout * 1000) / 4);
    this.watchdog = setInterval(() => void this.checkTimeouts().catch((err) => this.log.error({ err }, 'executor watchdog failed')), every);
  }

  stop(): void {
    if (this.watchdog) clearInterval(this.watchdog);
  }

  /** One message from the executor-events queue. Returns false when it was rejected. */
  async handle(data: unknown): Promise<boolean> {
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
    const secret = this.secrets.get(msg.executor);
    if (!secret || !verify(outer.data.payload, outer.data.sig, secret)) {
      this.log.warn({ executor: msg.executor, known: Boolean(secret) }, 'executor authentication failed');
      return false;
    }
    await this.apply(msg);
    return true;
  }

  private async apply(msg: ExecutorMessagePayload): Promise<void> {
    const log = this.log.child({ executor: msg.executor, session: msg.session });
    let rec = await this.store.getExecutor(msg.executor);
    let builds: BuildEvent[] = [];
    const flushBuilds = async () => {
      if (builds.length) await this.tracker.handle(msg.executor, builds);
      builds = [];
    };
    for (const ev of msg.events) {
      if (isBuildEvent(ev)) {
        if (rec && rec.session === msg.session && rec.state === 'lost') {
          const prev = rec.state;
          rec = { ...rec, state: 'connected', lastSeen: this.now(), connectedAt: this.now() };
          delete rec.reason;
          await this.store.putExecutor(rec, prev);
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
      if (!rec || rec.session !== msg.session) continue;
      if (ev.type === 'goodbye') {
        const prev = rec.state;
        rec = { ...rec, state: 'offline', lastSeen: this.now(), reason: ev.reason ?? 'shut down' };
        await this.store.putExecutor(rec, prev);
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
        await this.store.putExecutor(rec, prev);
        log.info({ handBack: ev.handBack }, 'executor is stopping');
        continue;
      }
      if (ev.type === 'heartbeat') {
        // A lost executor that is heard from again (a network partition healed) is back; one that said goodbye stays gone.
        if (rec.state === 'lost') {
          const prev = rec.state;
          rec = { ...rec, state: 'connected', lastSeen: this.now(), connectedAt: this.now() };
          delete rec.reason;
          await this.store.putExecutor(rec, prev);
          log.info('executor is back');
        }
      }
    }
    await flushBuilds();
    if (rec && rec.session === msg.session && this.now() - rec.lastSeen >= TOUCH_EVERY_MS) {
      // Seen recently enough is all the watchdog needs; writing it on every message would cost a write each.
      rec = { ...rec, lastSeen: this.now(), seq: Math.max(rec.seq, msg.seq) };
      await this.store.touchExecutor(rec);
    }
  }

  private async hello(
    msg: ExecutorMessagePayload,
    ev: Extract<ExecutorEvent, { type: 'hello' }>,
    prev: ExecutorRecord | null,
    log: Logger,
  ): Promise<ExecutorRecord> {
    if (prev && prev.session !== msg.session) {
      // The executor restarted: whatever it was running died with the old process.
      await this.retryBuildsOf(msg.executor, 'executor restarted');
    }
    const cfg = this.config.executors.find((e) => e.name === msg.executor);
    const rec: ExecutorRecord = {
      name: msg.executor,
      state: 'connected',
      session: msg.session,
      seq: msg.seq,
      slots: Math.min(ev.slots, cfg?.maxBuilds ?? ev.slots),
      ...(ev.builders ? { builders: ev.builders } : {}),
      hostname: ev.hostname,
      version: ev.version,
      connectedAt: this.now(),
      lastSeen: this.now(),
    };
    await this.store.putExecutor(rec, prev?.session === msg.session ? prev.state : undefined);
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
      await this.store.finishBuild(build.id, null, 'EXCEPTION', `refused by executor ${executor}: ${reason}`);
    }
  }

  /** End every build an executor holds as RETRY; their requests go back in line. */
  async retryBuildsOf(executor: string, reason: string): Promise<void> {
    // Jobs still waiting for it go too; if that fails, its builds must still be retried (their
    // tokens make a late start harmless).
    await this.queues.dropExecutorJobs(executor).catch((err) => this.log.warn({ err, executor }, 'could not drop a lost executor\'s queued jobs'));
    for (const id of await this.store.executorBuildIds(executor)) {
      const b = await this.store.finishBuild(id, null, 'RETRY', reason);
      if (b) this.log.warn({ buildId: b.id, builder: b.builder, number: b.number, executor, reason }, 'build will be retried');
    }
  }

  private async checkTimeouts(): Promise<void> {
    const now = this.now();
    if (now < this.graceUntil) return;
    const limit = this.config.executorTimeout * 1000;
    const recs = await this.store.getExecutors(this.config.executors.map((e) => e.name));
    for (const rec of recs) {
      if ((rec.state !== 'connected' && rec.state !== 'stopping') || now - rec.lastSeen <= limit) continue;
      const lost: ExecutorRecord = { ...rec, state: 'lost', reason: `no heartbeat for ${Math.round((now - rec.lastSeen) / 1000)} s` };
      await this.store.putExecutor(lost, rec.state);
      this.log.warn({ executor: rec.name, lastSeen: rec.lastSeen }, 'executor lost');
      await this.retryBuildsOf(rec.name, 'executor lost');
    }
  }

  /** Connected executors, for the distributor. */
  async connected(): Promise<ExecutorRecord[]> {
    const recs = await this.store.getExecutors(this.config.executors.map((e) => e.name));
    return recs.filter((r) => r.state === 'connected');
  }
}
