import { Queue, QueueEvents, Worker, UnrecoverableError, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { executorControlQueueName, executorQueueName, QUEUES, JOB_VERSION, type BuildJobPayload, type StopBuildPayload } from './jobs.js';
import { sign } from './signing.js';
import { sessionKey, signSessionRecord, type SessionRecord } from './session.js';
import { IntakeReader, type IntakeItem } from './intake.js';

export { UnrecoverableError };
export type { Job };

/** Redis connection for BullMQ: workers need maxRetriesPerRequest null to block forever. */
export function redisConnection(url: string, forWorker: boolean): Redis {
  return new Redis(url, { maxRetriesPerRequest: forWorker ? null : 20, enableReadyCheck: true });
}

export interface TreeStableTimer {
  scheduler: string;
  branch: string;
}

/** Dedup ids may not contain ':' and branch names never contain '~'. */
export function timerDedupId(t: TreeStableTimer): string {
  return `ts~${t.scheduler}~${t.branch}`;
}

const KEEP: JobsOptions = { removeOnComplete: true, removeOnFail: 1000 };

/** A periodic or nightly scheduler's wake-up: due at `at` (epoch ms, by the scheduler's clock). */
export interface TimedTimer {
  scheduler: string;
  at: number;
}

/** One wake-up per periodic or nightly scheduler: its dedup id. */
export function timedDedupId(scheduler: string): string {
  return `tm~${scheduler}`;
}

/** A Problem's next hassle step is due at `at` (epoch ms, by the hassler's clock). */
export interface HassleTimer {
  problem: number;
  at: number;
}

/** One wake-up per Problem with a running ladder: its dedup id. */
export function hassleDedupId(problem: number): string {
  return `hs~${problem}`;
}

/**
 * The master's queues. Everything BullMQ the master does goes through here, so the rest of the
 * master deals in bb's own records.
 */
export class MasterQueues {
  readonly changes: Queue;
  readonly timers: Queue;
  readonly control: Queue;
  private readonly execQueues = new Map<string, Queue>();
  private readonly controlQueues = new Map<string, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private readonly producer: Redis;
  private intake?: IntakeReader;

  constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.producer = redisConnection(url, false);
    this.connections.push(this.producer);
    const opts = { connection: this.producer, prefix };
    this.changes = new Queue(QUEUES.changes, opts);
    this.timers = new Queue(QUEUES.timers, opts);
    this.control = new Queue(QUEUES.control, opts);
    for (const q of [this.changes, this.timers, this.control]) q.on('error', (err) => this.log.warn({ err, queue: q.name }, 'queue error'));
  }

  /** Arm (or restart) a tree-stable timer: every call pushes its deadline `delayMs` into the future. */
  async armTreeStable(t: TreeStableTimer, delayMs: number): Promise<void> {
    if (delayMs <= 0) {
      await this.timers.add('tree-stable', t, KEEP);
      return;
    }
    await this.timers.add('tree-stable', t, {
      ...KEEP,
      delay: delayMs,
      deduplication: { id: timerDedupId(t), ttl: delayMs, extend: true, replace: true },
    });
  }

  /** Whether a tree-stable timer is armed (its dedup key is live). */
  async treeStableArmed(t: TreeStableTimer): Promise<boolean> {
    return Boolean(await this.timers.getDeduplicationJobId(timerDedupId(t)));
  }

  /** Called as a timer fires, before it takes the pending changes: later changes arm a new timer. */
  async releaseTreeStable(t: TreeStableTimer): Promise<void> {
    await this.timers.removeDeduplicationKey(timerDedupId(t));
  }

  /**
   * Arm a periodic or nightly scheduler's one wake-up (job name `timed`). While the armed one is
   * still delayed, a new call replaces it, so re-arming on restart with the stored deadline
   * neither doubles nor moves it; once it is due or running, further calls are ignored until it
   * completes or `releaseTimed` lets go of it. A wake-up whose processing fails is retried (the
   * scheduler's stored clock tells the retry what is still to do).
   */
  async armTimed(t: TimedTimer, delayMs: number): Promise<void> {
    await this.armWakeUp('timed', t, timedDedupId(t.scheduler), delayMs);
  }

  /**
   * Called as a wake-up runs: if it is the scheduler's armed one (or none is), let go of it so
   * the next can be armed, and return true; false when another wake-up is armed.
   */
  async releaseTimed(scheduler: string, jobId: string): Promise<boolean> {
    const owner = await this.timers.getDeduplicationJobId(timedDedupId(scheduler));
    if (owner && owner !== jobId) return false;
    if (owner) await this.timers.removeDeduplicationKey(timedDedupId(scheduler));
    return true;
  }

  /**
   * Arm a Problem's one hassle wake-up (job name `hassle` on the timers queue), like `armTimed`:
   * a newer call replaces a still delayed one, and the stored ladder is the truth, so a wake-up
   * that finds nothing due only re-arms.
   */
  async armHassle(t: HassleTimer, delayMs: number): Promise<void> {
    await this.armWakeUp('hassle', t, hassleDedupId(t.problem), delayMs);
  }

  /** One deduplicated, retried wake-up on the timers queue; a newer one replaces a still delayed one. */
  private async armWakeUp(name: 'timed' | 'hassle', data: TimedTimer | HassleTimer, dedupId: string, delayMs: number): Promise<void> {
    await this.timers.add(name, data, {
      ...KEEP,
      delay: Math.max(0, Math.round(delayMs)),
      deduplication: { id: dedupId, replace: true },
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
    });
  }

  /** Called as a hassle wake-up runs: lets go of the dedup key when it is this job's (or nobody's). */
  async releaseHassle(problem: number, jobId: string): Promise<void> {
    const owner = await this.timers.getDeduplicationJobId(hassleDedupId(problem));
    if (owner === jobId) await this.timers.removeDeduplicationKey(hassleDedupId(problem));
  }

  /** Drops a Problem's delayed hassle wake-up (it resolved). */
  async cancelHassle(problem: number): Promise<void> {
    const owner = await this.timers.getDeduplicationJobId(hassleDedupId(problem));
    if (!owner) return;
    const job = await this.timers.getJob(owner);
    if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
    await this.timers.removeDeduplicationKey(hassleDedupId(problem));
  }

  private execQueue(executor: string): Queue {
    let q = this.execQueues.get(executor);
    if (!q) {
      q = new Queue(executorQueueName(executor), { connection: this.producer, prefix: this.prefix });
      q.on('error', (err) => this.log.warn({ err, executor }, 'executor queue error'));
      this.execQueues.set(executor, q);
    }
    return q;
  }

  /** Sign a build job with the executor's secret and put it on that executor's queue. */
  async dispatch(payload: Omit<BuildJobPayload, 'v'>, secret: string): Promise<void> {
    const full: BuildJobPayload = { v: JOB_VERSION, ...payload };
    await this.execQueue(payload.executor).add('build', { payload: full, sig: sign(full, secret) }, {
      jobId: `build-${payload.buildId}`,
      removeOnComplete: true,
      removeOnFail: 100,
      attempts: 1,
    });
  }

  /**
   * Take a dispatched build's job back before the executor starts it. True when it was still
   * waiting; false when the executor already has it (then it must be told to stop).
   */
  async withdraw(executor: string, buildId: number): Promise<boolean> {
    const removed = await this.execQueue(executor).remove(`build-${buildId}`);
    return removed === 1;
  }

  /** Ask an executor to stop one of its builds (signed with its secret). */
  async sendStop(payload: Omit<StopBuildPayload, 'v' | 'type'>, secret: string): Promise<void> {
    const full: StopBuildPayload = { v: JOB_VERSION, type: 'stop', ...payload };
    let q = this.controlQueues.get(payload.executor);
    if (!q) {
      q = new Queue(executorControlQueueName(payload.executor), { connection: this.producer, prefix: this.prefix });
      q.on('error', (err) => this.log.warn({ err, executor: payload.executor }, 'executor control queue error'));
      this.controlQueues.set(payload.executor, q);
    }
    await q.add('stop', { payload: full, sig: sign(full, secret) }, { removeOnComplete: 100, removeOnFail: 100 });
  }

  /** Vouch for one executor process (see session.ts): it takes jobs once it reads this. */
  async putSession(rec: Omit<SessionRecord, 'v' | 'type'>, secret: string): Promise<void> {
    await this.producer.set(sessionKey(this.prefix, rec.executor), signSessionRecord(rec, secret));
  }

  /** Withdraw every vouching: each executor must say hello again and prove its secret to this master. */
  async clearSessions(executors: string[]): Promise<void> {
    if (executors.length) await this.producer.del(...executors.map((e) => sessionKey(this.prefix, e)));
  }

  /** Drop every job waiting for a lost executor: its builds are retried elsewhere. */
  async dropExecutorJobs(executor: string): Promise<void> {
    await this.execQueue(executor).obliterate({ force: true });
  }

  /** Start a worker on one of the master's queues. */
  work<T>(queue: string, concurrency: number, fn: (job: Job<T>) => Promise<unknown>): Worker {
    const conn = redisConnection(this.url, true);
    this.connections.push(conn);
    const w = new Worker(queue, fn, {
      connection: conn,
      prefix: this.prefix,
      concurrency,
      // The master's own processors are short; a master that dies mid-job gets it back on restart.
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 5,
    });
    w.on('error', (err) => this.log.warn({ err, queue }, 'worker error'));
    w.on('failed', (job, err) => this.log.warn({ err: err.message, queue, jobId: job?.id }, 'job failed'));
    this.workers.push(w);
    return w;
  }

  /** Drain the change intake (intake.ts) into `store`, starting with what a previous master left taken. */
  async readIntake(store: (items: IntakeItem[]) => Promise<void>): Promise<void> {
    this.intake = new IntakeReader(this.producer, this.url, this.prefix, store, this.log);
    await this.intake.start();
  }

  /** Used by the CLI: wait for a control job's answer. */
  events(queue: string): QueueEvents {
    return new QueueEvents(queue, { connection: redisConnection(this.url, true), prefix: this.prefix });
  }

  async close(): Promise<void> {
    await this.intake?.stop();
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([this.changes, this.timers, this.control, ...this.execQueues.values(), ...this.controlQueues.values()].map((q) => q.close()));
    for (const c of this.connections) c.disconnect();
  }
}
