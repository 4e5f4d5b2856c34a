import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { executorQueueName } from './jobs.js';

/**
 * The master → executor build jobs, without BullMQ: two Redis lists per executor, under its own
 * queue's key pattern (`<prefix>:exec.<name>:…`, so its ACL user reaches them and no other
 * executor's):
 *
 * - `…:list-wait`: jobs dispatched and not taken. The master LPUSHes one entry per build; the
 *   executor takes the oldest with one blocking BLMOVE into
 * - `…:list-taken`: jobs an executor process holds. It removes the entry (LREM) once the build's
 *   result is on its way to the master (or the job was refused), as a BullMQ job completed.
 *
 * An entry is `<buildId> <JSON of {payload, sig}>`, the job signed exactly as on the BullMQ queue
 * (verified by the executor as before: executor/verify-job.ts). The move is atomic, so a job is
 * either waiting (the master may withdraw it: one script, exact) or held; a process killed with
 * jobs held leaves them in `taken`, where the next process under the name finds them when the
 * master accepts it and refuses them (they were given to another session), as a re-delivered
 * BullMQ job was refused. A take whose reply was lost (Redis connection cut mid-BLMOVE) is found
 * by the same process in `taken` on its next look and run.
 *
 * Per build: one script that LPUSHes unless the entry is there already (master), BLMOVE and LREM
 * (executor). The other scripts run only to withdraw, to answer whether a job waits or is queued,
 * and they read only the two short lists.
 */

export function jobListWaitKey(prefix: string, executor: string): string {
  return `${prefix}:${executorQueueName(executor)}:list-wait`;
}

export function jobListTakenKey(prefix: string, executor: string): string {
  return `${prefix}:${executorQueueName(executor)}:list-taken`;
}

/** The entry for a build's signed job. */
export function jobListEntry(buildId: number, signed: { payload: unknown; sig: string }): string {
  return `${buildId} ${JSON.stringify(signed)}`;
}

/** KEYS: the lists to look in. ARGV[1]: build id; ARGV[2]: '1' to remove from KEYS[1]. Returns how many entries matched (removed). */
const FIND = `
local p = ARGV[1] .. ' '
local n = 0
for i, key in ipairs(KEYS) do
  for _, e in ipairs(redis.call('LRANGE', key, 0, -1)) do
    if string.sub(e, 1, #p) == p then
      if ARGV[2] == '1' and i == 1 then
        n = n + redis.call('LREM', key, 0, e)
      else
        n = n + 1
      end
    end
  end
end
return n
`;

/**
 * KEYS: wait, taken. ARGV[1]: the entry. Puts it on `wait` unless it is on either list already: a
 * push sent again by the client after a reconnect (its first reply lost) adds no second job, as
 * BullMQ's add with a job id did not.
 */
const PUSH = `
if redis.call('LPOS', KEYS[1], ARGV[1]) or redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
redis.call('LPUSH', KEYS[1], ARGV[1])
return 1
`;

type FindConn = Redis & {
  bbJobListFind(n: number, ...args: string[]): Promise<number>;
  bbJobListPush(wait: string, taken: string, entry: string): Promise<number>;
};

function withFind(conn: Redis): FindConn {
  const c = conn as FindConn;
  if (typeof c.bbJobListFind !== 'function') conn.defineCommand('bbJobListFind', { lua: FIND });
  if (typeof c.bbJobListPush !== 'function') conn.defineCommand('bbJobListPush', { lua: PUSH, numberOfKeys: 2 });
  return c;
}

/** The master's side: put, withdraw, look for jobs on an executor's lists. */
export class JobListProducer {
  constructor(
    private readonly conn: Redis,
    private readonly prefix: string,
  ) {}

  async push(executor: string, buildId: number, signed: { payload: unknown; sig: string }): Promise<void> {
    await withFind(this.conn).bbJobListPush(jobListWaitKey(this.prefix, executor), jobListTakenKey(this.prefix, executor), jobListEntry(buildId, signed));
  }

  /** True only if the build's job was waiting and is now gone (no executor can take it any more). */
  async withdraw(executor: string, buildId: number): Promise<boolean> {
    return (await withFind(this.conn).bbJobListFind(1, jobListWaitKey(this.prefix, executor), String(buildId), '1')) > 0;
  }

  async waiting(executor: string, buildId: number): Promise<boolean> {
    return (await withFind(this.conn).bbJobListFind(1, jobListWaitKey(this.prefix, executor), String(buildId), '0')) > 0;
  }

  /** Waiting, or held by an executor process (running, or left by one that died). */
  async queued(executor: string, buildId: number): Promise<boolean> {
    return (await withFind(this.conn).bbJobListFind(2, jobListWaitKey(this.prefix, executor), jobListTakenKey(this.prefix, executor), String(buildId), '0')) > 0;
  }

  /** Drops every waiting job (held ones stay with their process, as a BullMQ active job did). */
  async drop(executor: string): Promise<void> {
    await this.conn.del(jobListWaitKey(this.prefix, executor));
  }
}

export interface JobTakerOptions {
  /** A connection of its own: the take blocks it. */
  conn: Redis;
  /** For removals and looks at `taken` (may be shared). */
  writer: Redis;
  prefix: string;
  executor: string;
  session: string;
  slots: number;
  log: Logger;
  /**
   * Runs one job (`data`: the parsed `{payload, sig}`, or null when the entry is not JSON);
   * resolves once the build's result is on its way, or the job was refused. Then the entry goes.
   */
  run(data: unknown, jobId: string): Promise<unknown>;
}

/** How long one take blocks while nothing waits (also how soon a close or stop is seen). */
const BLOCK_S = 1;
/** How often the taker looks in `taken` for a job whose take it did not hear about. */
const LOOK_EVERY_MS = 10_000;

/**
 * The executor's side: takes jobs while open, at most `slots` held at once, and runs them. The
 * takes are one at a time on one connection, so a look at `taken` (between takes) sees exactly
 * the jobs this process holds plus any whose take it did not hear about.
 */
export class JobTaker {
  private readonly held = new Set<string>();
  private isOpen = false;
  private stopped = false;
  private firstLook = true;
  private lookDue = true;
  private lastLook = 0;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly waitKey: string;
  private readonly takenKey: string;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly o: JobTakerOptions) {
    this.waitKey = jobListWaitKey(o.prefix, o.executor);
    this.takenKey = jobListTakenKey(o.prefix, o.executor);
    // After a reconnect the client sends an unanswered take again: the first may have moved a job.
    o.conn.on('ready', () => {
      this.lookDue = true;
    });
  }

  /** Take jobs (the master vouches for this process). */
  open(): void {
    this.isOpen = true;
    this.loop ??= this.run();
    this.poke();
  }

  /** Take no new job (held ones run on). */
  close(): void {
    this.isOpen = false;
  }

  /** Stops taking; resolves once no take is in flight (held jobs run on: see idle()). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.isOpen = false;
    this.poke();
    await this.loop;
  }

  /** Resolves once every held job is done. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const { conn, log } = this.o;
    let failing = 0;
    while (!this.stopped) {
      if (!this.isOpen || this.held.size >= this.o.slots) {
        await this.sleep(1000);
        continue;
      }
      try {
        if (this.lookDue || Date.now() - this.lastLook >= LOOK_EVERY_MS) {
          await this.look();
          continue;
        }
        const entry = await conn.blmove(this.waitKey, this.takenKey, 'RIGHT', 'LEFT', BLOCK_S);
        failing = 0;
        if (entry !== null) this.start(entry);
      } catch (err) {
        if (this.stopped) return;
        // The take may have moved a job whose reply was lost: look in `taken` before the next take.
        this.lookDue = true;
        if (failing++ % 30 === 0) log.warn({ err: (err as Error).message }, 'could not take jobs; retrying');
        await this.sleep(1000);
      }
    }
  }

  /**
   * Jobs in `taken` this process does not hold: its own (a take whose reply was lost) are run; on
   * the first look after the master accepted this process, those given to another session (a
   * process under this name that died holding them) are refused by `run` and removed.
   */
  private async look(): Promise<void> {
    const entries = await this.o.writer.lrange(this.takenKey, 0, -1);
    const first = this.firstLook;
    this.firstLook = false;
    this.lookDue = false;
    this.lastLook = Date.now();
    for (const entry of entries) {
      if (this.held.has(entry)) continue;
      const mine = sessionOf(entry) === this.o.session;
      if (!mine && !first) continue;
      if (this.held.size >= this.o.slots && mine) break;
      if (mine) this.o.log.warn({ jobId: jobIdOf(entry) }, 'found a job this process took without hearing of it; running it');
      this.start(entry);
    }
  }

  private start(entry: string): void {
    this.held.add(entry);
    // Not JSON: null, refused by `run` as malformed.
    const data = parseEntry(entry);
    const jobId = jobIdOf(entry);
    const p: Promise<void> = this.o
      .run(data, jobId)
      .catch((err: unknown) => this.o.log.debug({ err: (err as Error).message, jobId }, 'job ended with an error'))
      .then(() => this.remove(entry))
      .finally(() => {
        this.running.delete(p);
        this.poke();
      });
    this.running.add(p);
  }

  private async remove(entry: string): Promise<void> {
    for (let tries = 0; ; tries++) {
      try {
        await this.o.writer.lrem(this.takenKey, 1, entry);
        this.held.delete(entry);
        return;
      } catch (err) {
        if (tries % 30 === 0) this.o.log.warn({ err: (err as Error).message }, 'could not remove a finished job; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

function parseEntry(entry: string): unknown {
  try {
    return JSON.parse(entry.slice(entry.indexOf(' ') + 1));
  } catch {
    return null;
  }
}

function sessionOf(entry: string): unknown {
  const data = parseEntry(entry) as { payload?: { session?: unknown } } | null;
  return data?.payload?.session;
}

function jobIdOf(entry: string): string {
  return `build-${entry.slice(0, Math.max(0, entry.indexOf(' ')))}`;
}
