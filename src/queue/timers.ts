import type { Job, JobsOptions, Queue } from 'bullmq';
import type { ArmedTimer, TimerData, TimerKind, Timers } from '../model/timers.js';
import type { Clock } from '../util/clock.js';

/** How long a timer waits in real time under a clock moved by hand (ManualClock): until a move fires it. */
const HOLD_MS = 30 * 24 * 3600_000;

const KEEP: JobsOptions = { removeOnComplete: true, removeOnFail: 1000 };

/** Dedup ids may not contain ':'; branch names never contain '~'. The prefixes are the ones older bb stored. */
const DEDUP: Record<TimerKind, string> = { 'tree-stable': 'ts', timed: 'tm', hassle: 'hs', 'tier-expiry': 'te' };

/** The key of a timer job, from its kind (the job's name) and data. */
export function timerKey(kind: TimerKind, data: TimerData[TimerKind]): string {
  if (kind === 'tree-stable') {
    const d = data as TimerData['tree-stable'];
    return `${d.scheduler}~${d.branch}`;
  }
  if (kind === 'timed') return (data as TimerData['timed']).scheduler;
  if (kind === 'hassle') return String((data as TimerData['hassle']).problem);
  return 'tiers';
}

/** What runs a fired timer of each kind. */
export type TimerHandlers = { [K in TimerKind]: (data: TimerData[K], jobId: string) => Promise<unknown> };

/**
 * The master's timers (src/model/timers.ts) as BullMQ delayed jobs on the `timers` queue, one per
 * key by BullMQ's deduplication. The deadline is read on the master's clock and stored in the
 * job. Under a clock moved by a test (`ManualClock`) a timer fires only when a move reaches its
 * deadline (`fireDue`), so what a test sees never depends on how fast the machine is.
 * A timer whose run fails is retried (the stored state tells the retry what is still to do),
 * except tree-stable timers, whose changes wait in Redis for the next one.
 */
export class QueueTimers implements Timers {
  constructor(
    private readonly queue: Queue,
    readonly clock: Clock,
  ) {}

  private dedupId(kind: TimerKind, key: string): string {
    return `${DEDUP[kind]}~${key}`;
  }

  async arm<K extends TimerKind>(kind: K, key: string, data: TimerData[K], at: number, opts: { restart?: boolean } = {}): Promise<void> {
    const wait = at - this.clock.now();
    // A clock moved by hand stands still between moves: its timers fire when a move reaches their deadline (`fireDue`), never by the machine's time.
    const delay = wait <= 0 ? 0 : this.clock.onMove ? HOLD_MS : Math.round(wait);
    const id = this.dedupId(kind, key);
    if (opts.restart) {
      // Every call pushes the deadline back; the key lives until then, so later calls find it.
      await this.queue.add(kind, data, delay > 0 ? { ...KEEP, delay, deduplication: { id, ttl: delay, extend: true, replace: true } } : KEEP);
      return;
    }
    await this.queue.add(kind, data, { ...KEEP, delay, deduplication: { id, replace: true }, attempts: 5, backoff: { type: 'exponential', delay: 2000 } });
  }

  async isArmed(kind: TimerKind, key: string): Promise<boolean> {
    return Boolean(await this.queue.getDeduplicationJobId(this.dedupId(kind, key)));
  }

  async release(kind: TimerKind, key: string, jobId: string): Promise<boolean> {
    const id = this.dedupId(kind, key);
    const owner = await this.queue.getDeduplicationJobId(id);
    if (owner && owner !== jobId) return false;
    if (owner) await this.queue.removeDeduplicationKey(id);
    return true;
  }

  async cancel(kind: TimerKind, key: string): Promise<void> {
    const id = this.dedupId(kind, key);
    const owner = await this.queue.getDeduplicationJobId(id);
    if (!owner) return;
    const job = await this.queue.getJob(owner);
    if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
    await this.queue.removeDeduplicationKey(id);
  }

  async armed(): Promise<ArmedTimer[]> {
    const jobs = (await this.queue.getDelayed()) as Array<Job<TimerData[TimerKind]>>;
    return jobs
      .filter((j) => j.name in DEDUP)
      .map((j) => {
        const kind = j.name as TimerKind;
        const at = (j.data as { at?: number }).at;
        return { kind, key: timerKey(kind, j.data), ...(at !== undefined ? { at } : {}) };
      })
      .sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  }

  /** Timers due by the clock but still delayed (the clock was moved by hand) fire now. */
  async fireDue(): Promise<void> {
    const now = this.clock.now();
    for (const job of (await this.queue.getDelayed()) as Array<Job<{ at?: number }>>) {
      if (job.data.at !== undefined && job.data.at <= now) await job.promote().catch(() => undefined);
    }
  }

  /** Whether a timer is due or running (master.settled() waits until none is). */
  async busy(): Promise<boolean> {
    const counts = await this.queue.getJobCounts('wait', 'active', 'prioritized');
    return Object.values(counts).some((n) => n > 0);
  }

  /** The worker's function: runs a fired timer with its kind's handler. */
  static dispatch(handlers: TimerHandlers): (job: Job<TimerData[TimerKind]>) => Promise<unknown> {
    return (job) => {
      const kind = job.name as TimerKind;
      const run = handlers[kind] as ((data: TimerData[TimerKind], jobId: string) => Promise<unknown>) | undefined;
      if (!run) throw new Error(`unknown timer kind ${job.name}`);
      return run(job.data, String(job.id));
    };
  }
}
