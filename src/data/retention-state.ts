import type { Db, Multi } from './db.js';
import { prunedMark, type PrunedMark } from './history.js';

/** What the last retention pass did (`bb status`, `/healthz`). */
export interface PassSummary {
  at: number;
  pruned: Record<string, number>;
  requests: number;
  keys: number;
  kept: Record<string, number>;
}

/**
 * Retention's own state (src/data/prune.ts): db:retention:pruned (highest id pruned per kind),
 * db:retention:last (the last pass) and db:retention:logs-deferred (builds whose logs were due
 * but needed). Also the transaction a pass fills: every write in it is a repository's own.
 */
export class RetentionRepo {
  constructor(private readonly db: Db) {}

  /** A transaction for one slice of a pass; the repositories add their deletes to it. */
  begin(): Multi {
    return this.db.multi();
  }

  /** The highest id of `kind` (changes, buildsets, problems) pruned so far. */
  mark(kind: string): PrunedMark {
    return prunedMark(this.db, this.db.keys.retentionPruned, kind);
  }

  /** Whether id `id` of `kind` was pruned (at or below the kind's mark) rather than never stored. */
  async wasPruned(kind: string, id: number): Promise<boolean> {
    const mark = await this.db.redis.hget(this.db.keys.retentionPruned, kind);
    return mark !== null && id <= Number(mark);
  }

  async last(): Promise<PassSummary | null> {
    return this.db.getJson<PassSummary>(this.db.keys.retentionLast);
  }

  async recordPass(s: PassSummary): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.retentionLast, JSON.stringify(s)));
  }

  /** Builds whose logs were due but kept (a Problem or a running build needed them), oldest first. */
  async deferredLogs(): Promise<number[]> {
    return (await this.db.redis.zrange(this.db.keys.retentionDeferredLogs, 0, -1)).map(Number);
  }

  deferLogs(m: Multi, buildId: number): void {
    m.zadd(this.db.keys.retentionDeferredLogs, buildId, String(buildId));
  }

  undeferLogs(m: Multi, buildId: number): void {
    m.zrem(this.db.keys.retentionDeferredLogs, String(buildId));
  }
}
