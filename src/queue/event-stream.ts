import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { executorEventsStreamKey, STREAM_FIELD } from './jobs.js';
import { STOPPED, Stopper } from '../util/stopper.js';

export { executorEventsStreamKey, STREAM_FIELD };

/**
 * The executor → master channel: one Redis Stream per executor, `<prefix>:events.<name>:stream`
 * (under the executor's own key pattern, so its ACL user may write it and no other executor's).
 * Each entry is one signed message (`{payload, sig}` as JSON, field `m`): hello, heartbeats, build
 * events. An executor appends with one XADD; the leading master reads every executor's stream in
 * batches with one blocking XREAD and deletes the entries it has handled (XDEL). A stream holds
 * only what no master has handled yet, so a master that was killed, and a standby that takes over,
 * start again from its first entry: nothing is lost, and what was handled before is recognised by
 * its seq (src/process/executors.ts) and changes nothing. The messages are validated and their
 * signatures verified exactly as before (ExecutorRegistry.handle).
 */

/** Entries read per stream per round trip. */
const BATCH = 200;
/** How long a read blocks when every stream is empty (also how soon a newly added executor is read). */
const BLOCK_MS = 1000;
/** Tries of a message whose handling failed (other than by lost leadership) before it is dropped. */
const MAX_TRIES = 10;

export interface StreamReaderOptions {
  /** A connection of its own: the read blocks it. */
  conn: Redis;
  /** A connection for the deletes (may be shared). */
  writer: Redis;
  prefix: string;
  log: Logger;
  /** Handle one message (`data`: the parsed entry) from `executor`'s stream. */
  handle(executor: string, data: unknown): Promise<unknown>;
  /** Whether an error means this master no longer leads (the message is left for the leader). */
  fenced(err: unknown): boolean;
}

/**
 * Reads executors' event streams until stopped. Within one stream messages are handled one at a
 * time in order; streams are handled side by side. A message whose handling throws is tried again
 * (with a growing pause) up to MAX_TRIES times, then dropped with an error in the log; one that
 * met a fencing refusal is tried again until the reader is stopped (the master steps down).
 */
export class EventStreamReader {
  private readonly names: string[] = [];
  private readonly lastIds = new Map<string, string>();
  private readonly stopper = new Stopper();
  private loop?: Promise<void>;
  /** Entries handled and not yet deleted, per stream key: deleted in the same round trip as the next read. */
  private readonly handled = new Map<string, string[]>();

  constructor(private readonly o: StreamReaderOptions) {}

  /** Read this executor's stream too (from its first entry). */
  add(executor: string): void {
    if (this.lastIds.has(executor)) return;
    this.names.push(executor);
    this.lastIds.set(executor, '0-0');
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops reading; resolves once the message in hand (if any) is done. The connection is closed. */
  async stop(): Promise<void> {
    this.stopper.stop();
    this.o.conn.disconnect();
    await this.loop;
    await this.deleteHandled();
  }

  /** Deletes the handled entries still in the streams (on the writer connection). */
  private async deleteHandled(): Promise<void> {
    const all = [...this.handled].filter(([, ids]) => ids.length);
    this.handled.clear();
    for (const [key, ids] of all) {
      await this.o.writer.xdel(key, ...ids).catch((err: unknown) => {
        // Handled but left in the stream: the next master to read it sees repeats and ignores them.
        this.o.log.warn({ err: (err as Error).message, key, entries: ids.length }, 'could not delete handled executor messages');
      });
    }
  }

  private async run(): Promise<void> {
    const { conn, prefix, log } = this.o;
    let failing = 0;
    while (!this.stopper.stopped) {
      const names = [...this.names];
      if (!names.length) {
        await this.pause(BLOCK_MS);
        continue;
      }
      let res: Array<[string, Array<[string, string[]]>]> | null;
      try {
        const keys = names.map((n) => executorEventsStreamKey(prefix, n));
        // What the last round handled is deleted in the same round trip as this read (before it blocks).
        const p = conn.pipeline();
        const deleting = [...this.handled].filter(([, ids]) => ids.length);
        this.handled.clear();
        for (const [key, ids] of deleting) p.xdel(key, ...ids);
        p.xread('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...names.map((n) => this.lastIds.get(n)!));
        // The stop ends this wait (the connection is closed), answered or not: deletes left
        // unanswered stay in the stream, repeats the next reader recognises and ignores.
        const answer = await this.stopper.until(p.exec());
        if (answer === STOPPED) return;
        const replies = answer ?? [];
        replies.slice(0, -1).forEach(([err], i) => {
          // Handled but left in the stream: the next master to read it sees repeats and ignores them.
          if (err) log.warn({ err: err.message, key: deleting[i]![0] }, 'could not delete handled executor messages');
        });
        const [err, reply] = replies[replies.length - 1] ?? [new Error('no reply to XREAD'), null];
        if (err) throw err;
        res = reply as typeof res;
        failing = 0;
      } catch (err) {
        if (this.stopper.stopped) return;
        if (failing++ % 30 === 0) log.warn({ err: (err as Error).message }, 'could not read the executors\' event streams; retrying');
        await this.pause(1000);
        continue;
      }
      if (!res) continue;
      const byKey = new Map(names.map((n) => [executorEventsStreamKey(prefix, n), n]));
      await Promise.all(res.map(([key, entries]) => this.handleStream(byKey.get(key)!, key, entries)));
    }
  }

  private async handleStream(executor: string, key: string, entries: Array<[string, string[]]>): Promise<void> {
    for (const [id, fields] of entries) {
      if (this.stopper.stopped) return;
      if (!(await this.handleEntry(executor, id, fields))) return;
      this.lastIds.set(executor, id);
      const ids = this.handled.get(key);
      if (ids) ids.push(id);
      else this.handled.set(key, [id]);
    }
  }

  /** False when the reader stopped with the entry unhandled. */
  private async handleEntry(executor: string, id: string, fields: string[]): Promise<boolean> {
    const { log } = this.o;
    let data: unknown;
    const i = fields.indexOf(STREAM_FIELD);
    try {
      data = JSON.parse(i >= 0 && i % 2 === 0 ? (fields[i + 1] ?? '') : '');
    } catch {
      log.warn({ executor, id }, 'malformed executor message (not JSON) dropped');
      return true;
    }
    for (let tries = 1; ; tries++) {
      try {
        await this.o.handle(executor, data);
        return true;
      } catch (err) {
        if (this.stopper.stopped) return false;
        if (this.o.fenced(err)) {
          // This master lost the lead: the message stays for the leader (and for this one, should it lead again).
          await this.pause(1000);
          tries = 0;
          continue;
        }
        if (tries >= MAX_TRIES) {
          log.error({ err, executor, id, tries }, 'executor message dropped: handling it kept failing');
          return true;
        }
        log.warn({ err, executor, id, tries }, 'handling an executor message failed; trying again');
        await this.pause(Math.min(100 * 2 ** tries, 5000));
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return this.stopper.sleep(ms);
  }
}
