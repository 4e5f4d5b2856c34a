import type { TokenBucket } from './token-bucket.js';

/** Control lines (JOIN, NICK, WHOIS, CTCP replies) go ahead of queued messages. */
export type Lane = 'control' | 'message';

interface Batch {
  lines: string[];
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Every line bb sends after registration goes through here, paced by one token bucket, so no
 * mix of replies, announcements and queries can flood the server. While disconnected the queue
 * holds its lines and sends them once a writer is attached again (after the rejoin).
 */
export class SendQueue {
  private readonly lanes: Record<Lane, Batch[]> = { control: [], message: [] };
  private writer: ((line: string) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private queued = 0;
  /** Message-lane lines (PRIVMSG, NOTICE) waiting, and written since the queue was made. */
  private messagesWaiting = 0;
  private messagesWritten = 0;

  constructor(
    private readonly bucket: TokenBucket,
    /** Most lines held at once; more are refused. */
    private readonly maxQueued: number,
  ) {}

  /** Lines waiting. */
  get size(): number {
    return this.queued;
  }

  /** Message lines (what bb says, not control lines) written so far and waiting now: `/metrics`. */
  get messageLines(): { sent: number; queued: number } {
    return { sent: this.messagesWritten, queued: this.messagesWaiting };
  }

  /** Queues lines to go in order; resolves when the last one was written. */
  enqueue(lines: string[], lane: Lane = 'message'): Promise<void> {
    if (!lines.length) return Promise.resolve();
    if (this.queued + lines.length > this.maxQueued) {
      return Promise.reject(new Error(`IRC send queue full (${this.queued} lines waiting)`));
    }
    return new Promise((resolve, reject) => {
      this.lanes[lane].push({ lines: [...lines], resolve, reject });
      this.queued += lines.length;
      if (lane === 'message') this.messagesWaiting += lines.length;
      this.pump();
    });
  }

  /** Starts sending through `write` (the connection is registered and channels are joined). */
  attach(write: (line: string) => void): void {
    this.writer = write;
    this.pump();
  }

  /** Stops sending (the connection is gone); queued lines wait for the next `attach`. */
  detach(): void {
    this.writer = null;
    this.clearTimer();
  }

  /** Drops every waiting line, failing their sends with `err`. */
  clear(err: Error): void {
    this.detach();
    for (const lane of Object.values(this.lanes)) {
      for (const batch of lane.splice(0)) batch.reject(err);
    }
    this.queued = 0;
    this.messagesWaiting = 0;
  }

  private pump(): void {
    if (this.timer || !this.writer) return;
    while (this.writer) {
      const batch = this.lanes.control[0] ?? this.lanes.message[0];
      if (!batch) return;
      const wait = this.bucket.delay();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, wait);
        return;
      }
      this.bucket.take();
      const line = batch.lines.shift()!;
      this.queued--;
      const message = this.lanes.control[0] !== batch;
      if (!batch.lines.length) (message ? this.lanes.message : this.lanes.control).shift();
      this.writer(line);
      if (message) {
        this.messagesWaiting--;
        this.messagesWritten++;
      }
      if (!batch.lines.length) batch.resolve();
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
