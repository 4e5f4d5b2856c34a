import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'bullmq';
import { createLogger, type Logger } from '../src/log.js';
import { NAME_RE } from '../src/model/change.js';
import { executorControlQueueName, executorEventsStreamKey, executorQueueName, STREAM_FIELD } from '../src/queue/jobs.js';
import { controlProcessor } from './control.js';
import { EventSender } from './events.js';
import { executorRedis, sessionRecordReader, throttled } from '../src/queue/executor-conn.js';
import { JobTaker } from '../src/queue/job-list.js';
import { executorVersion } from './version.js';
import { JobProcessor } from './job-processor.js';
import { LauncherPool } from './launcher.js';
import { delay, withTimeout } from './timing.js';
import { SessionGate } from './session-gate.js';
import type { SessionRecord } from '../src/queue/session.js';

export interface ExecutorOptions {
  name: string;
  secret: string;
  redisUrl: string;
  /** BullMQ key prefix, the master's (e.g. `bb`). */
  prefix: string;
  /** Work trees live in `<basedir>/<job.workdir>/build`. */
  basedir: string;
  /** Builds run at once (the worker's concurrency). */
  slots: number;
  builders?: string[];
  /** Default 2000. */
  heartbeatMs?: number;
  logger?: Logger;
  /** Time from SIGTERM to SIGKILL when a step's process group is stopped. Default 5000. */
  killGraceMs?: number;
  /** Event batching window while output is dense (see EventSender). Default 50. */
  flushMs?: number;
  /**
   * Offer to take jobs from the job list (src/queue/job-list.ts) in the hello. Default true; false
   * behaves as executors before the job list did (jobs from the BullMQ queue), for tests of mixed
   * versions.
   */
  jobList?: boolean;
  /**
   * Called once when the master accepted another process under this name after this one: this
   * process has stopped taking jobs and is stopping (its running builds are handed back).
   */
  onReplaced?(by: SessionRecord): void;
}

export interface ExecutorHandle {
  readonly name: string;
  /** Random per start; the master sees a new session as a restart. */
  readonly session: string;
  /** Build ids running now. */
  running(): number[];
  /** Whether the master has accepted this process (it takes jobs only then). */
  accepted(): boolean;
  /**
   * Stop taking jobs, let running builds finish, say goodbye, close. With `handBack`, running
   * builds are killed instead and reported as RETRY. Calling again with handBack while a plain
   * stop waits for builds hands them back.
   */
  stop(opts?: { handBack?: boolean }): Promise<void>;
}

export async function startExecutor(o: ExecutorOptions): Promise<ExecutorHandle> {
  if (!NAME_RE.test(o.name)) throw new Error(`executor name ${JSON.stringify(o.name)} is not valid: letters, digits, . _ - (up to 100)`);
  if (!Number.isInteger(o.slots) || o.slots < 1 || o.slots > 256) throw new Error(`slots must be an integer from 1 to 256, not ${o.slots}`);
  if (!o.secret) throw new Error('executor secret is empty');
  const log = (o.logger ?? createLogger('executor')).child({ executor: o.name });
  const basedir = resolve(o.basedir);
  mkdirSync(basedir, { recursive: true });
  const session = randomBytes(8).toString('hex');

  const producer = executorRedis(o.redisUrl, log, 'events');
  const listConn = executorRedis(o.redisUrl, log, 'jobs');
  const warnOnce = throttled();
  // Every message is one entry of this executor's event stream (src/queue/event-stream.ts).
  const stream = executorEventsStreamKey(o.prefix, o.name);
  const sink = { send: (m: object) => producer.xadd(stream, '*', STREAM_FIELD, JSON.stringify(m)) };
  const sender = new EventSender(sink, { executor: o.name, secret: o.secret, session, log, ...(o.flushMs ? { flushMs: o.flushMs } : {}) });

  // Shell steps start through long-running /bin/sh launchers on Linux (BB_EXECUTOR_SPAWN=node: Node's spawn).
  const launchers = LauncherPool.create({ max: o.slots, onWarning: (msg, err) => log.warn({ err }, msg) });
  const jobs = new JobProcessor({ executor: o.name, secret: o.secret, session, basedir, killGraceMs: o.killGraceMs ?? 5000, sender, launchers, log });
  const hello = () => {
    sender.push({
      type: 'hello',
      ...(o.builders ? { builders: o.builders } : {}),
      slots: o.slots,
      heartbeatMs: o.heartbeatMs ?? 2000,
      version: executorVersion(),
      hostname: hostname(),
      running: jobs.runningIds(),
      ...(o.jobList === false ? {} : { jobList: true }),
    });
    void sender.flush();
  };
  hello();

  // Jobs are taken only once the master has vouched for this process (see SessionGate): from the
  // job list (src/queue/job-list.ts) when its record says so, else (a master of an earlier
  // version) from the BullMQ queue, with a worker made then.
  const taker = new JobTaker({ conn: listConn, writer: producer, prefix: o.prefix, executor: o.name, session, slots: o.slots, log, run: jobs.run });
  let bull: { worker: Worker; conn: ReturnType<typeof executorRedis>; running: boolean } | undefined;
  const bullWorker = () => {
    if (!bull) {
      const conn = executorRedis(o.redisUrl, log, 'bullmq-jobs');
      const worker = new Worker(executorQueueName(o.name), jobs.process, { connection: conn, prefix: o.prefix, concurrency: o.slots, autorun: false });
      worker.on('error', (err) => warnOnce(`w:${err.message}`) && log.warn({ err: err.message }, 'worker error'));
      bull = { worker, conn, running: false };
    }
    return bull;
  };
  const pauseBull = () => {
    if (bull?.running) bull.worker.pause(true).catch(() => undefined);
  };
  let handle: ExecutorHandle | undefined;
  const gate = new SessionGate({
    readRecord: sessionRecordReader(producer, o.prefix, o.name),
    executor: o.name,
    secret: o.secret,
    session,
    log,
    hello,
    open(record) {
      if (record.jobList) {
        pauseBull();
        taker.open();
        return;
      }
      taker.close();
      const b = bullWorker();
      if (!b.running) {
        b.running = true;
        b.worker.run().catch((err: unknown) => log.error({ err }, 'job worker failed'));
      } else b.worker.resume();
    },
    close() {
      taker.close();
      pauseBull();
    },
    replaced(by) {
      o.onReplaced?.(by);
      void handle?.stop({ handBack: true });
    },
  });
  gate.start();
  // Stop requests get a worker (and connection) of their own, so they arrive while every slot is busy.
  const controlConn = executorRedis(o.redisUrl, log, 'control');
  const control = new Worker(executorControlQueueName(o.name), controlProcessor({ executor: o.name, secret: o.secret, jobs, log }), {
    connection: controlConn,
    prefix: o.prefix,
    concurrency: 4,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  });
  control.on('error', (err) => warnOnce(`c:${err.message}`) && log.warn({ err: err.message }, 'control worker error'));

  const heartbeat = setInterval(() => sender.push({ type: 'heartbeat', running: jobs.runningIds() }), o.heartbeatMs ?? 2000);
  log.info({ slots: o.slots, basedir, session, stepStart: launchers ? 'launchers' : 'spawn' }, 'executor started');

  const shutdown = async () => {
    gate.stop();
    const closing = Promise.all([taker.stop().then(() => taker.idle()), bull?.worker.close()]);
    void control.close();
    // A worker cut off from Redis may never finish closing; once the builds are done, stop waiting.
    await Promise.race([closing, jobs.whenIdle().then(() => delay(3000))]);
    clearInterval(heartbeat);
    launchers?.stop();
    sender.push({ type: 'goodbye', reason: jobs.handedBack ? 'handed back' : 'shut down' });
    if ((await withTimeout(sender.flush().then(() => true), 3000)) !== true) {
      log.warn('could not deliver the last events before stopping (is Redis down?)');
    }
    producer.disconnect();
    listConn.disconnect();
    bull?.conn.disconnect();
    controlConn.disconnect();
    log.info({ handedBack: jobs.handedBack }, 'executor stopped');
  };
  let stopping: Promise<void> | undefined;

  handle = {
    name: o.name,
    session,
    running: () => jobs.runningIds(),
    accepted: () => gate.accepted,
    stop(opts = {}) {
      // Tell the master first, so it offers no new job while this executor drains or hands back.
      if (!stopping || opts.handBack) {
        sender.push({ type: 'stopping', handBack: Boolean(opts.handBack) });
        void sender.flush();
      }
      if (opts.handBack) jobs.handBack();
      stopping ??= shutdown();
      return stopping;
    },
  };
  return handle;
}
