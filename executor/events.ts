import type { Logger } from '../src/log.js';
import { JOB_VERSION, type ExecutorEvent, type ExecutorMessagePayload } from '../src/queue/jobs.js';
import { sign } from '../src/queue/signing.js';

/** Longest log text in one event; longer output is split, shorter consecutive chunks are joined. */
export const MAX_LOG_TEXT = 64 * 1024;
/** Roughly how many bytes of events go into one message. */
const MAX_MESSAGE_BYTES = 512 * 1024;
const MAX_MESSAGE_EVENTS = 500;
/** A message at least this big means output is flooding: the next window is twice as long. */
const HEAVY_BYTES = 16 * 1024;
/**
 * A step's log is kept to 20,000 chunks (src/data/logs.ts), one per log event sent: once a step has
 * sent this many, its window doubles, and doubles again at twice as many, so a step that trickles
 * output for long reaches the cap no sooner than with the old fixed 100 ms window (46 min against 33).
 */
const LONG_LOG_CHUNKS = 5000;

export interface EventSenderOptions {
  executor: string;
  secret: string;
  session: string;
  log: Logger;
  /**
   * Batch window: log output that follows a message within it waits until it ends (twice as long
   * after a message of 16 KB or more, or once its step has sent 5,000 log chunks; four times after
   * 10,000); other events go out within it. Default 50 ms.
   */
  flushMs?: number;
  /**
   * A build's start goes out within this window (default 50 ms), so a quick build's start and end
   * travel in one message while a longer build is seen as started that soon.
   */
  startFlushMs?: number;
  /** The clock the windows are measured on (tests). Default performance.now. */
  now?: () => number;
}

type LogEvent = Extract<ExecutorEvent, { type: 'log' }>;

/** Where signed messages go: the executor's event stream (src/queue/event-stream.ts). */
export interface MessageSink {
  /** Resolves once the message is stored in Redis; rejects when it is not (it is sent again). */
  send(message: { payload: ExecutorMessagePayload; sig: string }): Promise<unknown>;
}

/**
 * Everything the executor tells the master goes through here, as signed messages (`{payload, sig}`,
 * seq increasing) on the executor's event stream. A step's output after a quiet spell goes out at once (on
 * the next turn of the event loop, so one read's chunks travel together, with whatever else is
 * buffered): a line printed after a pause reaches the master without waiting. Output that follows
 * within the window after a message is buffered until the window ends (consecutive log chunks of
 * one step and stream joined) and goes as one message, so a chatty step sends at most one message
 * per window: 20 a second for output that trickles, 10 a second (as with the old fixed 100 ms
 * window) for a flood. Other events go out within the window (a build's start within 20 ms). Sends
 * are serialised so messages keep their order; a failed send is retried with the events kept.
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
  private readonly now: () => number;
  /** When the last message went out, and the window after it (longer after a heavy message). */
  private lastSentAt = -Infinity;
  private windowMs: number;
  /** Messages sent so far. */
  sent = 0;
  /** Log events sent per build step (`buildId:step`), while the build runs. */
  private readonly chunks = new Map<string, number>();

  constructor(
    private readonly sink: MessageSink,
    private readonly opts: EventSenderOptions,
  ) {
    this.flushMs = opts.flushMs ?? 50;
    this.startFlushMs = Math.min(this.flushMs, opts.startFlushMs ?? 50);
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
    // A build's start goes out within a short window, not the batch window: a quick build's end
    // (flushed as its job completes) takes it along, one message for both; the event carries the
    // executor's start time, so the master records when it started either way.
    // A step's output: at once after a quiet spell, else when the window after the last message
    // ends. Header lines (the command, its directory) wait like other events, so a quick build
    // that prints nothing still sends its start and end in one message.
    const now = this.now();
    if (this.bufferedBytes >= MAX_MESSAGE_BYTES) void this.flush();
    else if (ev.type === 'log' && ev.stream !== 'header') this.schedule(Math.max(now, this.lastSentAt + this.windowMs));
    else this.schedule(now + (ev.type === 'build-started' ? this.startFlushMs : this.flushMs));
  }

  /** Send everything buffered now; resolves when it is in Redis (or failed and was kept). */
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

  /** Flush at `due` (on this.now's clock): an armed timer that would fire later is brought forward. */
  private schedule(due: number): void {
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => void this.flush(), Math.max(0, due - this.now()));
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
        this.lastSentAt = this.now();
        this.windowMs = this.flushMs * Math.max(estimate(batch) >= HEAVY_BYTES ? 2 : 1, this.count(batch));
        await this.sink.send({ payload, sig: sign(payload, this.opts.secret) });
        this.sent += 1;
      } catch (err) {
        this.opts.log.warn({ err, events: batch.length }, 'could not send executor events; will retry');
        this.buffer.unshift(...batch);
        this.bufferedBytes += estimate(batch);
        if (!this.timer) this.schedule(this.now() + 1000);
        return;
      }
    }
  }

  /** Counts the batch's log chunks per step; the window factor its longest log calls for (1, 2 or 4). */
  private count(batch: ExecutorEvent[]): number {
    let most = 0;
    for (const ev of batch) {
      if (ev.type === 'build-finished') {
        for (const k of this.chunks.keys()) if (k.startsWith(`${ev.buildId}:`)) this.chunks.delete(k);
      }
      if (ev.type !== 'log') continue;
      const k = `${ev.buildId}:${ev.step}`;
      const n = (this.chunks.get(k) ?? 0) + 1;
      this.chunks.set(k, n);
      most = Math.max(most, n);
    }
    return most >= 2 * LONG_LOG_CHUNKS ? 4 : most >= LONG_LOG_CHUNKS ? 2 : 1;
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
