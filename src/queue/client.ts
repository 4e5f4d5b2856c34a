import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import { changeInputSchema, type ChangeInput } from '../model/change.js';
import { JOB_VERSION, QUEUES } from './jobs.js';
import { InputError } from './input-error.js';
import { masterRunning } from '../data/guardrails.js';

export { InputError };

/**
 * What `bb sendchange`, `bb force` and other clients use to talk to a master through its queues.
 */
export class BbClient {
  private readonly conn: Redis;
  private readonly changes: Queue;
  private readonly controlQueue: Queue;
  private controlEvents?: QueueEvents;
  private eventsConn?: Redis;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {
    this.conn = newRedis(url, { maxRetriesPerRequest: 3 });
    this.changes = new Queue(QUEUES.changes, { connection: this.conn, prefix });
    this.controlQueue = new Queue(QUEUES.control, { connection: this.conn, prefix });
  }

  /** Validate a change and queue it for the master. Returns the queue job id. */
  async sendChange(input: ChangeInput): Promise<string> {
    const parsed = changeInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new InputError(parsed.error.issues.map((i) => `${i.path.join('.') || 'change'}: ${i.message}`).join('; '));
    }
    const job = await this.changes.add('change', { v: JOB_VERSION, change: parsed.data }, { removeOnComplete: true, removeOnFail: 1000 });
    return String(job.id);
  }

  /** Queue many changes in one round trip (benchmarks, importers). */
  async sendChanges(inputs: ChangeInput[]): Promise<void> {
    const jobs = inputs.map((input) => ({
      name: 'change',
      data: { v: JOB_VERSION, change: changeInputSchema.parse(input) },
      opts: { removeOnComplete: true, removeOnFail: 1000 },
    }));
    await this.changes.addBulk(jobs);
  }

  /** Ask the master to run a control request and wait for its answer. */
  async control<T>(request: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (!this.controlEvents) {
      // Read events from the stream's current end, fixed now: with the default ('$', resolved only
      // when the first blocking read is issued) an answer that comes before that read is missed and
      // the caller waits out the timeout.
      const [last] = await this.conn.xrevrange(`${this.prefix}:${QUEUES.control}:events`, '+', '-', 'COUNT', 1);
      this.eventsConn = newRedis(this.url, { maxRetriesPerRequest: null });
      this.controlEvents = new QueueEvents(QUEUES.control, { connection: this.eventsConn, prefix: this.prefix, lastEventId: last?.[0] ?? '0-0' });
    }
    await this.controlEvents.waitUntilReady();
    // No master holds the lease: nothing would carry the request out now, and a master started
    // later must not do it behind the asker's back.
    if (!(await masterRunning(this.conn, this.prefix))) {
      throw new InputError(`no master is running with this Redis and prefix: nothing was done, and nothing will be. Start \`bb master\`, then run this again.`);
    }
    const job = await this.controlQueue.add(String(request.type ?? 'control'), request, { removeOnComplete: 100, removeOnFail: 100 });
    try {
      return (await job.waitUntilFinished(this.controlEvents, timeoutMs)) as T;
    } catch (err) {
      if (!/timed out/i.test(String(err))) throw err;
      // Withdraw it: a request nobody answered is not carried out later by surprise.
      const withdrawn = await job.remove().then(
        () => true,
        () => false,
      );
      if (withdrawn) throw new InputError(`no answer from the master within ${timeoutMs / 1000} s: nothing was done, and nothing will be (the request was withdrawn). Is \`bb master\` running with this Redis and prefix?`);
      throw new InputError(`no answer from the master within ${timeoutMs / 1000} s, and the request is being carried out now: check the outcome (for users: \`bb user show\`).`);
    }
  }

  async close(): Promise<void> {
    await this.changes.close();
    await this.controlQueue.close();
    if (this.controlEvents) await this.controlEvents.close();
    // QueueEvents does not close a connection it was given.
    this.eventsConn?.disconnect();
    this.conn.disconnect();
  }
}
