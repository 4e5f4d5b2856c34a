import { Queue, QueueEvents } from './bullmq.js';
import type { Redis } from 'ioredis';
import { newRedis } from '../data/redis-conn.js';
import type { ChangeInput } from '../model/change.js';
import { QUEUES } from './jobs.js';
import { InputError } from './input-error.js';
import { sendToIntake } from './intake.js';
import { masterRunning } from '../data/guardrails.js';

export { InputError };

/**
 * What `bb sendchange`, `bb force` and other clients use to talk to a master through its queues.
 */
export class BbClient {
  private readonly conn: Redis;
  private readonly controlQueue: Queue;
  private controlEvents?: QueueEvents;
  private eventsConn?: Redis;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {
    this.conn = newRedis(url, { maxRetriesPerRequest: 3 });
    this.controlQueue = new Queue(QUEUES.control, { connection: this.conn, prefix });
  }

  /** Validate a change and append it to the master's intake (intake.ts). Returns its intake id. */
  async sendChange(input: ChangeInput): Promise<string> {
    const [id] = await sendToIntake(this.conn, this.prefix, [input]);
    return id!;
  }

  /** Append many changes in one round trip (benchmarks, importers). */
  async sendChanges(inputs: ChangeInput[]): Promise<void> {
    await sendToIntake(this.conn, this.prefix, inputs);
  }

  /** Ask the master to run a control request and wait for its answer. */
  async control<T>(request: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    if (!this.controlEvents) {
      // Read events from the stream's current end, fixed now: with the default ('$', resolved only
      // when the first blocking read is issued) an answer that comes before that read is missed and
      // the caller waits out the timeout.
      const [last] = await this.conn.xrevrange(this.controlQueue.toKey('events'), '+', '-', 'COUNT', 1);
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
    await this.controlQueue.close();
    if (this.controlEvents) await this.controlEvents.close();
    // QueueEvents does not close a connection it was given.
    this.eventsConn?.disconnect();
    this.conn.disconnect();
  }
}
