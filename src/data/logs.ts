import type { Db, Multi } from './db.js';
import { LOG_BUDGET_SCRIPT } from './read-scripts.js';

/**
 * Most chunks kept of one step's log. The first ones stay (their indexes are what pages, line
 * numbers and live followers address); what comes after is dropped, and the last kept chunk
 * becomes a notice saying so (as Buildbot keeps a log's head by default).
 */
export const MAX_LOG_CHUNKS = 20_000;

/**
 * The chunk that ends a log cut at MAX_LOG_CHUNKS. The thousands are grouped by hand: a
 * `toLocaleString` at load would map about 5 MiB of ICU data into every process that loads this.
 */
export const LOG_TRUNCATED = `header\t\n[bb: this step's output went on past ${String(MAX_LOG_CHUNKS).replace(/\B(?=(\d{3})+$)/g, ',')} chunks; the rest was dropped]\n`;

/** Bytes of log text one page read brings into memory at most (beyond its first chunk). */
export const LOG_READ_BYTES = 512 * 1024;

export type LogChunk = { stream: string; text: string };

function splitChunk(r: string): LogChunk {
  const tab = r.indexOf('\t');
  return { stream: r.slice(0, tab), text: r.slice(tab + 1) };
}

/** Build logs: db:log:<buildId>:<step>, a list of `<stream>\t<text>` chunks in order. */
export class LogsRepo {
  constructor(private readonly db: Db) {}

  /** Append one chunk (inside the Builds repository's transaction). */
  append(m: Multi, buildId: number, step: number, stream: string, text: string): void {
    m.rpush(this.db.keys.log(buildId, step), `${stream}\t${text}`);
  }

  /**
   * Keep a step's log to MAX_LOG_CHUNKS chunks, the last of them the truncation notice; RPUSH's
   * reply (at `at` in `results`) says how long it has grown.
   */
  async cap(buildId: number, pushes: Array<{ step: number; at: number }>, results: Array<[Error | null, unknown]>): Promise<void> {
    const over = new Set(pushes.filter((p) => Number(results[p.at]?.[1] ?? 0) > MAX_LOG_CHUNKS).map((p) => p.step));
    for (const step of over) {
      const key = this.db.keys.log(buildId, step);
      await this.db.multi().ltrim(key, 0, MAX_LOG_CHUNKS - 1).lset(key, MAX_LOG_CHUNKS - 1, LOG_TRUNCATED).exec();
    }
  }

  /** Deletes the logs of a build's `steps` steps (retention). Returns the keys deleted. */
  drop(m: Multi, buildId: number, steps: number): number {
    if (steps > 0) m.del(...Array.from({ length: steps }, (_, i) => this.db.keys.log(buildId, i)));
    return steps;
  }

  /** Log chunks of one step from index `from`: [{stream, text}], and the next index. */
  async read(buildId: number, step: number, from = 0): Promise<{ chunks: LogChunk[]; next: number }> {
    const raw = await this.db.redis.lrange(this.db.keys.log(buildId, step), from, -1);
    return { chunks: raw.map(splitChunk), next: from + raw.length };
  }

  /** Up to `count` chunks of one step from index `from`: a page (the web pages), never the whole log. */
  async page(buildId: number, step: number, from: number, count: number): Promise<LogChunk[]> {
    if (count < 1) return [];
    return (await this.db.redis.lrange(this.db.keys.log(buildId, step), from, from + count - 1)).map(splitChunk);
  }

  /**
   * Up to `count` chunks from index `from`, and at most about `maxBytes` of them (a chunk can be
   * 64 KB: 500 such would be 32 MB), in one round trip; `end` says the log has no more chunks
   * after these (for now).
   */
  async pageBudget(buildId: number, step: number, from: number, count: number, maxBytes = LOG_READ_BYTES): Promise<{ chunks: LogChunk[]; end: boolean }> {
    if (count < 1) return { chunks: [], end: false };
    const raw = (await this.db.readScript(LOG_BUDGET_SCRIPT, [this.db.keys.log(buildId, step)], [from, count, maxBytes])) as [number, ...string[]];
    return { chunks: raw.slice(1).map((r) => splitChunk(r as string)), end: raw[0] === 1 };
  }
}
