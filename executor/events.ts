import type { Queue } from 'bullmq';
import type { Logger } from '../src/log.js';
import { JOB_VERSION, type ExecutorEvent, type ExecutorMessagePayload } from '../src/queue/jobs.js';
import { sign } from '../src/queue/signing.js';

/** Longest log text in one event; longer output is split, shorter consecutive chunks are joined. */
export const MAX_LOG_TEXT = 64 * 1024;
/** Roughly how many bytes of events go into one queue job. */
const MAX_MESSAGE_BYTES = 512 * 1024;
const MAX_MESSAGE_EVENTS = 500;

export interface EventSenderOptions {
  executor: string;
  secret: string;
  session: string;
  log: Logger;
  /** Batch window. Default 100 ms. */
  flushMs?: number;
  /**
   * A build's start goes out within this window (default 50 ms), so a quick build's start and end
   * travel in one message while a longer build is seen as started that soon.
   */
  startFlushMs?: number;
}

type LogEvent = Extract<ExecutorEvent, { type: 'log' }>;

/**
 * Everything the executor tells the master goes through here: events are buffered for a short
 * window, consecutive log chunks of one step and stream are joined, and each batch goes out as one
 * signed message (`{payload, sig}`, seq increasing) on the executor-events queue. Sends are
 * serialised so messages keep their order; a failed send is retried with the events kept.
 */
export class EventSender {
  private buffer: ExecutorEvent[] = [];
  private bufferedBytes = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly startFlushMs: number;

  constructor(
    private readonly queue: Queue,
    private readonly opts: EventSenderOptions,
  ) {
    this.flushMs = opts.flushMs ?? 100;
    this.startFlushMs = Math.min(this.flushMs, opts.startFlushMs ?? 50);
  }

  push(ev: ExecutorEvent): void {
    const last = this.buffer[this.buffer.length - 1];
    if (ev.type === 'heartbeat' && last?.type === 'heartbeat') {
      // Still waiting to send the previous one (Redis down?): the newer one says it all.
      this.buffer[this.buffer.length - 1] = ev;
      return;
    }
    if (ev.type === 'log') this.pushLog(ev);
    else this.append(ev, estimate([ev]));
    // A build's start goes out within a short window, not the batch window: a quick build's end
    // (flushed as its job completes) takes it along, one message for both; the event carries the
    // executor's start time, so the master records when it started either way.
    if (this.bufferedBytes >= MAX_MESSAGE_BYTES) void this.flush();
    else this.schedule(ev.type === 'build-started' ? this.startFlushMs : this.flushMs);
  }

  /** Send everything buffered now; resolves when it is on the queue (or failed and was kept). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = 0;
    const next = this.chain.then(() => this.sendAll());
    this.chain = next;
    return next;
  }

  private pushLog(ev: LogEvent): void {
    let text = ev.text;
    const last = this.buffer[this.buffer.length - 1];
    if (last?.type === 'log' && last.buildId === ev.buildId && last.token === ev.token && last.step === ev.step && last.stream === ev.stream) {
      const room = MAX_LOG_TEXT - last.text.length;
      if (room > 0) {
        last.text += text.slice(0, room);
        this.bufferedBytes += Math.min(room, text.length);
        text = text.slice(room);
      }
    }
    for (let i = 0; i < text.length; i += MAX_LOG_TEXT) {
      const part = text.slice(i, i + MAX_LOG_TEXT);
      this.append({ ...ev, text: part }, 100 + part.length);
    }
  }

  private append(ev: ExecutorEvent, bytes: number): void {
    this.buffer.push(ev);
    this.bufferedBytes += bytes;
  }

  /** Flush within `ms`: an armed timer that would fire later is brought forward. */
  private schedule(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  private async sendAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.takeBatch();
      const payload: ExecutorMessagePayload = {
        v: JOB_VERSION,
        executor: this.opts.executor,
        session: this.opts.session,
        seq: this.seq++,
        sentAt: Date.now(),
        events: batch,
      };
      try {
        await this.queue.add('msg', { payload, sig: sign(payload, this.opts.secret) }, { removeOnComplete: true, removeOnFail: 1000 });
      } catch (err) {
        this.opts.log.warn({ err, events: batch.length }, 'could not send executor events; will retry');
        this.buffer.unshift(...batch);
        this.bufferedBytes += estimate(batch);
        if (!this.timer) this.schedule(1000);
        return;
      }
    }
  }

  private takeBatch(): ExecutorEvent[] {
    let bytes = 0;
    let n = 0;
    while (n < this.buffer.length && n < MAX_MESSAGE_EVENTS) {
      bytes += estimate([this.buffer[n]!]);
      if (n > 0 && bytes > MAX_MESSAGE_BYTES) break;
      n += 1;
    }
    const batch = this.buffer.splice(0, n);
    this.bufferedBytes = Math.max(0, this.bufferedBytes - estimate(batch));
    return batch;
  }
}

function estimate(events: ExecutorEvent[]): number {
  let n = 0;
  for (const ev of events) n += ev.type === 'log' ? 100 + ev.text.length : ev.type === 'tests' ? JSON.stringify(ev).length : 200;
  return n;
}
