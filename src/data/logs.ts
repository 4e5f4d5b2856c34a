import type { Db, Multi } from './db.js';

/** Most chunks kept of one step's log; older ones beyond it are dropped (RPUSH then LTRIM). */
const MAX_LOG_CHUNKS = 20_000;

/** Build logs: db:log:<buildId>:<step>, a list of `<stream>\t<text>` chunks in order. */
export class LogsRepo {
  constructor(private readonly db: Db) {}

  /** Append one chunk (inside the Builds repository's transaction). */
  append(m: Multi, buildId: number, step: number, stream: string, text: string): void {
    m.rpush(this.db.keys.log(buildId, step), `${stream}\t${text}`);
  }

  /** Keep a step's log to MAX_LOG_CHUNKS chunks; RPUSH's reply (at `at` in `results`) says how long it has grown. */
  async cap(buildId: number, pushes: Array<{ step: number; at: number }>, results: Array<[Error | null, unknown]>): Promise<void> {
    const over = new Set(pushes.filter((p) => Number(results[p.at]?.[1] ?? 0) > MAX_LOG_CHUNKS).map((p) => p.step));
    for (const step of over) await this.db.redis.ltrim(this.db.keys.log(buildId, step), 0, MAX_LOG_CHUNKS - 1);
  }

  /** Deletes the logs of a build's `steps` steps (retention). Returns the keys deleted. */
  drop(m: Multi, buildId: number, steps: number): number {
    if (steps > 0) m.del(...Array.from({ length: steps }, (_, i) => this.db.keys.log(buildId, i)));
    return steps;
  }

  /** Log chunks of one step from index `from`: [{stream, text}], and the next index. */
  async read(buildId: number, step: number, from = 0): Promise<{ chunks: Array<{ stream: string; text: string }>; next: number }> {
    const raw = await this.db.redis.lrange(this.db.keys.log(buildId, step), from, -1);
    return {
      chunks: raw.map((r) => {
        const tab = r.indexOf('\t');
        return { stream: r.slice(0, tab), text: r.slice(tab + 1) };
      }),
      next: from + raw.length,
    };
  }
}
