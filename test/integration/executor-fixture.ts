import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { cleanupDir, deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { EventStreamReader } from '../../src/queue/event-stream.js';
import { executorQueueName, executorMessagePayloadSchema, type BuildJobPayload, type ExecutorEvent, type ExecutorMessagePayload } from '../../src/queue/jobs.js';
import { sign, verify } from '../../src/queue/signing.js';
import { sessionKey, signSessionRecord } from '../../src/queue/session.js';
import { jobListWaitKey } from '../../src/queue/job-list.js';
import type { StepSpecInput } from '../../src/model/steps.js';
import { makeRepo, type TestRepo } from '../harness/git.js';
import { startExecutor, type ExecutorHandle, type ExecutorOptions } from '../../executor/executor.js';
import { createLogger } from '../../src/log.js';

export const SECRET = 'executor-test-secret';

/**
 * The test plays the master: it reads the executor's event stream with the master's reader
 * (checking every signature itself) and puts signed build jobs on exec.<name>.
 */
export interface FakeMaster {
  prefix: string;
  url: string;
  messages: ExecutorMessagePayload[];
  events(): ExecutorEvent[];
  buildEvents(buildId: number): ExecutorEvent[];
  /** Signs and queues a job; `tamper` edits the payload after signing. */
  dispatch(job: Omit<Partial<BuildJobPayload>, 'steps'> & { steps: StepSpecInput[] }, o?: { tamper?: (p: Record<string, unknown>) => void; unsigned?: boolean; jobId?: string }): Promise<{ payload: BuildJobPayload; jobId: string }>;
  waitFor<T extends ExecutorEvent>(pred: (e: ExecutorEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(pred: (e: ExecutorEvent) => boolean, timeoutMs?: number): Promise<ExecutorEvent>;
  finished(buildId: number, timeoutMs?: number): Promise<Extract<ExecutorEvent, { type: 'build-finished' }>>;
  jobState(jobId: string): Promise<{ state: string; failedReason?: string }>;
  badSignatures: number;
  close(): Promise<void>;
}

let nextBuildId = 1;
export function newBuildId(): number {
  return nextBuildId++ + Math.floor(Math.random() * 1000) * 1000;
}

/** `jobList`: hand jobs out on the job list (src/queue/job-list.ts), as a master of this version does; default: the BullMQ queue, as earlier masters did. */
export async function fakeMaster(executor: string, redisUrl?: string, o: { jobList?: boolean } = {}): Promise<FakeMaster> {
  const url = redisUrl ?? (await testRedis()).url;
  const prefix = freshPrefix('exec');
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  const workerConn = new Redis(url, { maxRetriesPerRequest: null });
  // Outage tests kill the server under these; the reconnects are expected.
  for (const c of [conn, workerConn]) c.on('error', () => {});
  const execQueue = new Queue(executorQueueName(executor), { connection: conn, prefix });
  const messages: ExecutorMessagePayload[] = [];
  const waiters = new Set<() => void>();
  let badSignatures = 0;
  const lastSeq = new Map<string, number>();
  let session = '';
  const worker = new EventStreamReader({
    conn: workerConn,
    writer: conn,
    prefix,
    log: createLogger('fake-master', { level: 'silent' }),
    fenced: () => false,
    async handle(_from, raw) {
      const data = raw as { payload: unknown; sig: unknown };
      if (!verify(data.payload, data.sig, SECRET)) {
        badSignatures += 1;
        return;
      }
      const msg = executorMessagePayloadSchema.parse(data.payload);
      // As the master does: a message whose seq does not grow within its session is a repeat (a
      // Redis that lost a job's completion in a crash delivers it again) and changes nothing.
      if ((lastSeq.get(msg.session) ?? -1) >= msg.seq) return;
      lastSeq.set(msg.session, msg.seq);
      messages.push(msg);
      const hello = msg.events.find((e) => e.type === 'hello');
      if (hello?.type === 'hello' && msg.executor === executor) {
        // Vouch for the process, as the master does: only then does it take jobs.
        session = msg.session;
        await conn.set(sessionKey(prefix, executor), signSessionRecord({ executor, session, hostname: hello.hostname, acceptedAt: Date.now(), ...(o.jobList && hello.jobList ? { jobList: true } : {}) }, SECRET));
      }
      for (const w of waiters) w();
    },
  });
  worker.add(executor);
  worker.start();
  execQueue.on('error', () => {});
  const events = () => messages.flatMap((m) => m.events);
  const m: FakeMaster = {
    prefix,
    url,
    messages,
    events,
    buildEvents: (id) => events().filter((e) => 'buildId' in e && e.buildId === id),
    get badSignatures() {
      return badSignatures;
    },
    async dispatch(job, d = {}) {
      const now = Date.now();
      const payload = {
        v: 1,
        buildId: newBuildId(),
        token: randomBytes(12).toString('hex'),
        executor,
        session,
        builder: 'b1',
        number: 1,
        workdir: 'b1',
        sourcestamp: { repository: '', project: 'p' },
        properties: {},
        issuedAt: now,
        expiresAt: now + 60_000,
        ...job,
      } as unknown as BuildJobPayload;
      const sig = sign(payload, SECRET);
      const sent = structuredClone(payload) as unknown as Record<string, unknown>;
      d.tamper?.(sent);
      if (o.jobList) {
        await conn.lpush(jobListWaitKey(prefix, executor), `${payload.buildId} ${JSON.stringify(d.unsigned ? { payload: sent } : { payload: sent, sig })}`);
        return { payload, jobId: `build-${payload.buildId}` };
      }
      const jobId = d.jobId ?? `build-${payload.buildId}-${randomBytes(3).toString('hex')}`;
      await execQueue.add('build', d.unsigned ? { payload: sent } : { payload: sent, sig }, { jobId, removeOnComplete: false, removeOnFail: false, attempts: 1 });
      return { payload, jobId };
    },
    waitFor(pred: (e: ExecutorEvent) => boolean, timeoutMs = 15_000): Promise<never> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events().find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit as never);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for an event; got ${JSON.stringify(events().map((e) => e.type))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    finished(buildId, timeoutMs) {
      return m.waitFor((e): e is Extract<ExecutorEvent, { type: 'build-finished' }> => e.type === 'build-finished' && e.buildId === buildId, timeoutMs);
    },
    async jobState(jobId) {
      const j = await execQueue.getJob(jobId);
      if (!j) return { state: 'missing' };
      return { state: await j.getState(), ...(j.failedReason ? { failedReason: j.failedReason } : {}) };
    },
    async close() {
      await worker.stop();
      await execQueue.close();
      conn.disconnect();
      workerConn.disconnect();
      await deletePrefix(url, prefix);
    },
  };
  return m;
}

export interface Rig {
  master: FakeMaster;
  executor: ExecutorHandle;
  basedir: string;
  /** A scratch dir for marker files, outside the executor's basedir. */
  scratch: string;
  close(): Promise<void>;
}

export async function rig(name = `ex-${randomBytes(3).toString('hex')}`, extra: Partial<ExecutorOptions> = {}, mo: { jobList?: boolean } = {}): Promise<Rig> {
  const master = await fakeMaster(name, undefined, mo);
  const basedir = mkdtempSync(join(tmpdir(), 'bb-executor-'));
  const scratch = mkdtempSync(join(tmpdir(), 'bb-scratch-'));
  const executor = await startExecutor({
    name,
    secret: SECRET,
    redisUrl: master.url,
    prefix: master.prefix,
    basedir,
    slots: 2,
    heartbeatMs: 300,
    killGraceMs: 500,
    logger: createLogger('executor-test', { level: process.env.BB_LOG_LEVEL ?? 'silent' }),
    ...extra,
  });
  // Jobs are bound to the session the master accepted: wait for that, as a master would.
  if (!extra.secret || extra.secret === SECRET) await waitAccepted(executor);
  let closed = false;
  return {
    master,
    executor,
    basedir,
    scratch,
    async close() {
      if (closed) return;
      closed = true;
      await executor.stop({ handBack: true });
      await master.close();
      cleanupDir(basedir);
      cleanupDir(scratch);
    },
  };
}

export function logText(events: ExecutorEvent[], step?: number, stream?: string): string {
  return events
    .filter((e): e is Extract<ExecutorEvent, { type: 'log' }> => e.type === 'log' && (step === undefined || e.step === step) && (stream === undefined || e.stream === stream))
    .map((e) => e.text)
    .join('');
}

/** Whether a pid is a live process (a zombie waiting for its parent to reap it counts as dead). */
export function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const state = readFileSync(stat, 'utf8').replace(/^.*\) /s, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Per-test rigs and repositories, closed and removed after each test. */
export function useRigs(): { setup: typeof rig; repo(): TestRepo } {
  const rigs: Rig[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const r of rigs.splice(0)) await r.close();
    for (const d of dirs.splice(0)) cleanupDir(d);
  });
  return {
    async setup(...args) {
      const r = await rig(...args);
      rigs.push(r);
      return r;
    },
    repo() {
      const r = makeRepo();
      dirs.push(r.dir);
      return r;
    },
  };
}

/** Waits until the master (real or fake) has accepted the executor process, so it takes jobs. */
export async function waitAccepted(executor: ExecutorHandle, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!executor.accepted()) {
    if (Date.now() > until) throw new Error(`executor ${executor.name} was not accepted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
