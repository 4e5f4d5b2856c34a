import { Queue, QueueEvents, Worker, UnrecoverableError, WaitingError, type Job } from './bullmq.js';
import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import type { Logger } from '../log.js';
import { executorControlQueueName, executorEventsQueueName, executorQueueName, QUEUES, JOB_VERSION, type BuildJobPayload, type StopBuildPayload } from './jobs.js';
import { sign } from './signing.js';
import { systemClock, type Clock } from '../util/clock.js';
import { QueueTimers } from './timers.js';
import { cleanJobHistory } from './job-history.js';
import type { RetentionPolicy } from '../model/retention.js';
import { sessionKey, signSessionRecord, type SessionRecord } from './session.js';
import { IntakeReader, type IntakeItem } from './intake-reader.js';
import { EventStreamReader, executorEventsStreamKey } from './event-stream.js';
import { JobListProducer } from './job-list.js';
import { slowStep } from '../util/slow-step.js';
import { withTimeout } from '../../executor/timing.js';

export { UnrecoverableError };
export type { Job };

/** How long closing workers waits for BullMQ to record the outcome of the jobs just handled (Redis may be away). */
const RECORD_WAIT_MS = 5000;

/** Redis connection for BullMQ: workers need maxRetriesPerRequest null to block forever. */
export function redisConnection(url: string, forWorker: boolean): Redis {
  return newRedis(url, { maxRetriesPerRequest: forWorker ? null : 20, enableReadyCheck: true });
}

/**
 * The master's queues. Everything BullMQ the master does goes through here, so the rest of the
 * master deals in bb's own records.
 */
export class MasterQueues {
  readonly changes: Queue;
  private readonly timerQueue: Queue;
  /** The master's timers (tree-stable, periodic and nightly, hassle, demotion expiry) on the `timers` queue. */
  readonly timers: QueueTimers;
  readonly control: Queue;
  private readonly execQueues = new Map<string, Queue>();
  private readonly controlQueues = new Map<string, Queue>();
  private readonly eventQueues = new Map<string, Queue>();
  private readonly workers: Array<{ worker: Worker; conn: Redis }> = [];
  /** The workers' handlers running now (each settles, whatever the handler's outcome). */
  private readonly handling = new Set<Promise<void>>();
  /** Handled jobs whose outcome BullMQ has not recorded yet, by `queue|job id`. */
  private readonly unrecorded = new Map<string, { recorded: Promise<void>; resolve: () => void }>();
  /** Set while closeWorkers runs: a job fetched meanwhile goes back to wait unhandled. */
  private closingWorkers = false;
  private readonly connections: Redis[] = [];
  /** Whether an error is a fencing refusal (set by the master: a job that met one goes back to wait for the new leader). */
  fenced: (err: unknown) => boolean = () => false;
  private readonly producer: Redis;
  private intake?: IntakeReader;
  private events_?: EventStreamReader;
  private readonly lists: JobListProducer;

  constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly log: Logger,
    clock: Clock = systemClock,
  ) {
    this.producer = redisConnection(url, false);
    this.connections.push(this.producer);
    this.lists = new JobListProducer(this.producer, prefix);
    const opts = { connection: this.producer, prefix };
    this.changes = new Queue(QUEUES.changes, opts);
    this.timerQueue = new Queue(QUEUES.timers, opts);
    this.timers = new QueueTimers(this.timerQueue, clock);
    this.control = new Queue(QUEUES.control, opts);
    for (const q of [this.changes, this.timerQueue, this.control]) q.on('error', (err) => this.log.warn({ err, queue: q.name }, 'queue error'));
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

  /**
   * Sign a build job with the executor's secret and hand it to that executor: on its job list
   * (src/queue/job-list.ts) when its process takes jobs there (`list`, said in its hello), else on
   * its BullMQ queue (executors of earlier versions).
   */
  async dispatch(payload: Omit<BuildJobPayload, 'v'>, secret: string, list = false): Promise<void> {
    const full: BuildJobPayload = { v: JOB_VERSION, ...payload };
    const signed = { payload: full, sig: sign(full, secret) };
    if (list) {
      await this.lists.push(payload.executor, payload.buildId, signed);
      return;
    }
    await this.execQueue(payload.executor).add('build', signed, {
      jobId: `build-${payload.buildId}`,
      removeOnComplete: true,
      removeOnFail: 100,
      attempts: 1,
    });
  }

  /**
   * Take a dispatched build's job back before the executor starts it. True when it was still
   * waiting (and is gone now); false when the executor already has it (then it must be told to
   * stop). Looks on the job list and on the BullMQ queue (an executor may have been upgraded).
   */
  async withdraw(executor: string, buildId: number): Promise<boolean> {
    if (await this.lists.withdraw(executor, buildId)) return true;
    const removed = await this.execQueue(executor).remove(`build-${buildId}`);
    return removed === 1;
  }

  /** Whether a build's job still waits for its executor (no executor has taken it). */
  async buildJobWaiting(executor: string, buildId: number): Promise<boolean> {
    if (await this.lists.waiting(executor, buildId)) return true;
    const job = await this.execQueue(executor).getJob(`build-${buildId}`);
    if (!job) return false;
    return ['waiting', 'prioritized', 'delayed', 'waiting-children'].includes(await job.getState());
  }

  /** Whether a build's job is on its executor's list or queue in any state (waiting, held/active, delayed, failed). */
  async buildJobQueued(executor: string, buildId: number): Promise<boolean> {
    if (await this.lists.queued(executor, buildId)) return true;
    return Boolean(await this.execQueue(executor).getJob(`build-${buildId}`));
  }

  /** Messages of an executor (its own events queue and the shared one) not yet handled by the master. */
  async eventsPending(executor: string): Promise<number> {
    let n = 0;
    for (const name of [executorEventsQueueName(executor), QUEUES.executorEvents]) {
      let q = this.eventQueues.get(name);
      if (!q) {
        q = new Queue(name, { connection: this.producer, prefix: this.prefix });
        q.on('error', (err) => this.log.warn({ err, queue: name }, 'queue error'));
        this.eventQueues.set(name, q);
      }
      const c = await q.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      n += Object.values(c).reduce((a, b) => a + b, 0);
    }
    // The stream holds only messages no master has handled yet (src/queue/event-stream.ts).
    return n + (await this.producer.xlen(executorEventsStreamKey(this.prefix, executor)));
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

  /** Cleans BullMQ's finished-job history under this prefix (`retention.jobs`, src/queue/job-history.ts). */
  cleanHistory(rules: Exclude<RetentionPolicy['jobs'], false>, dryRun: boolean): Promise<Record<string, number>> {
    return cleanJobHistory(this.producer, this.prefix, rules, dryRun);
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
    // Waiting, prioritized and delayed jobs go; an active one is the lost process's and its lock
    // lapses. (obliterate refuses a queue that is not paused, and pausing it would stall the
    // executor's next process.)
    await Promise.all([this.lists.drop(executor), this.execQueue(executor).drain(true)]);
  }

  /** Start a worker on one of the master's queues. */
  work<T>(queue: string, concurrency: number, fn: (job: Job<T>) => Promise<unknown>): Worker {
    const conn = redisConnection(this.url, true);
    const processor = async (job: Job<T>, token?: string) => {
      // Fetched as the workers close (the lead is being given up): left for the next leader.
      if (this.closingWorkers) {
        await job.moveToWait(token).catch(() => undefined);
        throw new WaitingError();
      }
      const key = `${queue}|${job.id}`;
      let resolve!: () => void;
      this.unrecorded.set(key, { recorded: new Promise<void>((r) => (resolve = r)), resolve });
      const handling = fn(job);
      const done = handling.then(
        () => undefined,
        () => undefined,
      );
      this.handling.add(done);
      void done.finally(() => this.handling.delete(done));
      try {
        return await handling;
      } catch (err) {
        if (!this.fenced(err)) throw err;
        // This master lost the lead mid-job: the job goes back to wait, for the leader's workers.
        await job.moveToWait(token).catch(() => undefined);
        this.recorded(key);
        throw new WaitingError();
      }
    };
    const w = new Worker(queue, processor, {
      connection: conn,
      prefix: this.prefix,
      concurrency,
      // The master's own processors are short; a job held by a master that died (kill -9) goes back
      // to wait within lockDuration + stalledInterval, for the master that leads next.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 5,
    });
    // Once per message every 30 s: while Redis fails over, a worker reports each retry.
    w.on('error', (err) => {
      if (this.sayOnce(`${queue} ${err.message}`)) this.log.warn({ err, queue }, 'worker error');
    });
    w.on('failed', (job, err) => {
      if (job) this.recorded(`${queue}|${job.id}`);
      if (!(err instanceof WaitingError)) this.log.warn({ err: err.message, queue, jobId: job?.id }, 'job failed');
    });
    w.on('completed', (job) => this.recorded(`${queue}|${job.id}`));
    this.workers.push({ worker: w, conn });
    return w;
  }

  /** A handled job's outcome is in BullMQ (completed, failed or back to wait). */
  private recorded(key: string): void {
    this.unrecorded.get(key)?.resolve();
    this.unrecorded.delete(key);
  }

  private readonly said = new Map<string, number>();
  private sayOnce(key: string): boolean {
    const now = Date.now();
    if ((this.said.get(key) ?? -Infinity) + 30_000 > now) return false;
    if (this.said.size > 100) this.said.clear();
    this.said.set(key, now);
    return true;
  }

  /** Drain the change intake (intake.ts) into `store`, starting with what a master before left taken; stopped with the workers. */
  async readIntake(store: (items: IntakeItem[]) => Promise<void>): Promise<void> {
    await this.intake?.stop();
    this.intake = new IntakeReader(this.producer, this.url, this.prefix, store, this.log, (err) => this.fenced(err));
    await this.intake.start();
  }

  /**
   * Read executors' event streams (src/queue/event-stream.ts) with `handle`, until the workers
   * close; `executors` and any added later with listenToExecutor.
   */
  readExecutorEvents(executors: string[], handle: (executor: string, data: unknown) => Promise<unknown>): void {
    void this.events_?.stop();
    this.events_ = new EventStreamReader({ conn: redisConnection(this.url, true), writer: this.producer, prefix: this.prefix, log: this.log, handle, fenced: (err) => this.fenced(err) });
    for (const e of executors) this.events_.add(e);
    this.events_.start();
  }

  /** Read one more executor's event stream (one added by a config reload). */
  listenToExecutor(executor: string): void {
    this.events_?.add(executor);
  }

  /**
   * Closes the intake, the event streams and every worker (a master that stops leading; the queues
   * stay open for producing), without waiting on anything blocked in
   * Redis: ioredis may never settle a blocked read once its connection is closed while it
   * reconnects (redis/ioredis#2197), and a graceful BullMQ close waited for its fetch for ever
   * after a Redis outage or failover longer than the lease. The handlers still running finish
   * first (no write of this term is left in flight when this resolves); their outcome is then
   * recorded in BullMQ while Redis answers, for at most RECORD_WAIT_MS. A job whose outcome was
   * not recorded stays active until its lock lapses and goes back to wait for the leader (the
   * handlers are idempotent), as a job held by a master killed does.
   */
  async closeWorkers(log?: Logger): Promise<void> {
    const watch = (what: string, p: Promise<unknown> | undefined) => (log ? slowStep(log, what, p) : p);
    this.closingWorkers = true;
    await watch('the change intake to stop', this.intake?.stop());
    this.intake = undefined;
    await watch("the executors' event streams to stop", this.events_?.stop());
    this.events_ = undefined;
    const all = this.workers.splice(0);
    await Promise.all(all.map(({ worker }) => watch(`the worker of queue ${worker.name} to close`, worker.close(true))));
    await watch("the queue workers' running handlers to finish", this.idleHandlers());
    await withTimeout(Promise.all([...this.unrecorded.values()].map((u) => u.recorded)), RECORD_WAIT_MS);
    for (const { conn } of all) conn.disconnect();
    this.unrecorded.clear();
    this.closingWorkers = false;
  }

  /** Resolves once no worker's handler runs. */
  private async idleHandlers(): Promise<void> {
    while (this.handling.size) await Promise.all([...this.handling]);
  }

  /** Used by the CLI: wait for a control job's answer. */
  events(queue: string): QueueEvents {
    return new QueueEvents(queue, { connection: redisConnection(this.url, true), prefix: this.prefix });
  }

  async close(): Promise<void> {
    await this.closeWorkers();
    await Promise.all([this.changes, this.timerQueue, this.control, ...this.execQueues.values(), ...this.controlQueues.values(), ...this.eventQueues.values()].map((q) => q.close()));
    for (const c of this.connections) c.disconnect();
  }
}
