import type { Queue } from 'bullmq';
import type { Logger } from '../src/log.js';
import { JOB_VERSION, type ExecutorEvent, type ExecutorMessagePayload } from '../src/queue/jobs.js';
import { sign } from '../src/queue/signing.js';

/** Longest log text in one event; longer output is split, shorter consecutive chunks are joined. */
export const MAX_LOG_TEXT = 64 * 1024;
/** Roughly how many bytes of events go into one queue job. */
const MAX_MESSAGE_BYTES = 512 * 1024;
const MAX_MESSAGE_EVENTS = 500;
/** A message at least this big means output is flooding: the next window is twice as long. */
const HEAVY_BYTES = 16 * 1024;

export interface EventSenderOptions {
  executor: string;
  secret: string;
  session: string;
  log: Logger;
  /**
   * Batch window while output is dense: after a message, events wait until this long after it
   * (twice as long after a message of 16 KB or more). Default 50 ms.
   */
  flushMs?: number;
  now?: () => number;
}

type LogEvent = Extract<ExecutorEvent, { type: 'log' }>;

/**
 * Everything the executor tells the master goes through here, as signed messages (`{payload, sig}`,
 * seq increasing) on the executor-events queue. The first events after a quiet spell go out at once
 * (on the next turn of the event loop, so one read's chunks travel together): a line printed after a
 * pause reaches the master without waiting. Events that follow within the window after a message
 * are buffered until the window ends (consecutive log chunks of one step and stream joined) and go
 * as one message, so a chatty step sends at most one message per window: 20 a second for output
 * that trickles, 10 a second (as with the old fixed 100 ms window) for a flood. Sends are
 * serialised so messages keep their order; a failed send is retried with the events kept.
 */
export class EventSender {
  private buffer: ExecutorEvent[] = [];
  private bufferedBytes = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly flushMs: number;
  private readonly now: () => number;
  /** When the last message went out, and the window after it (longer after a heavy message). */
  private lastSentAt = -Infinity;
  private windowMs: number;
  /** Messages sent so far (benchmarks count them). */
  sent = 0;

  constructor(
    private readonly queue: Queue,
    private readonly opts: EventSenderOptions,
  ) {
    this.flushMs = opts.flushMs ?? 50;
    this.windowMs = this.flushMs;
    this.now = opts.now ?? (() => performance.now());
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
    // A build's start goes out at once: the master shows it started (bench: change → build started)
    // without waiting out the batch window; the build's later events are batched as before.
    if (this.bufferedBytes >= MAX_MESSAGE_BYTES || ev.type === 'build-started') void this.flush();
    else this.schedule();
  }

  /** Send everything buffered now; resolves when it is on the queue (or failed and was kept). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
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

  /** Send when the window after the last message ends: at once (next turn) after a quiet spell. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSentAt + this.windowMs - this.now());
    this.timer = setTimeout(() => void this.flush(), wait);
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
        const bytes = estimate(batch);
        this.lastSentAt = this.now();
        this.windowMs = bytes >= HEAVY_BYTES ? this.flushMs * 2 : this.flushMs;
        await this.queue.add('msg', { payload, sig: sign(payload, this.opts.secret) }, { removeOnComplete: true, removeOnFail: 1000 });
        this.sent += 1;
      } catch (err) {
        this.opts.log.warn({ err, events: batch.length }, 'could not send executor events; will retry');
        this.buffer.unshift(...batch);
        this.bufferedBytes += estimate(batch);
        if (!this.timer) this.timer = setTimeout(() => void this.flush(), 1000);
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
