import type { FlakyRecord } from '../model/problem.js';
import type { Db, Multi } from './db.js';

/**
 * The flaky memory's store: per builder, a hash of the subjects (tests, or steps of builders
 * without tests) that ever failed there, keyed `<repository>|<project>|<subject key>`
 * (db:problems:flaky:<builder>); and the set of builders that have one
 * (db:problems:flaky-builders). Pure logic lives in src/problems/flaky.ts.
 */
export class FlakyRepo {
  /** Bumped by every write through this repository (lets a reader know its copy is still current within this process). */
  writes = 0;

  constructor(
    private readonly db: Db,
    /** The Problem detector's deferred cursor, stored with a write of flaky records (ProblemsRepo.deferCursor). */
    private readonly cursor?: { queueCursor(m: Multi): number | null; cursorWritten(at: number | null): void },
  ) {}

  async records(builder: string): Promise<Map<string, FlakyRecord>> {
    const raw = await this.db.redis.hgetall(this.db.keys.flaky.builder(builder));
    return new Map(Object.entries(raw).map(([field, json]) => [field, JSON.parse(json) as FlakyRecord]));
  }

  /** Writes the records given (others are left as they are). */
  async put(builder: string, changed: Map<string, FlakyRecord>): Promise<void> {
    if (!changed.size) return;
    this.writes += 1;
    const fields: string[] = [];
    for (const [field, rec] of changed) fields.push(field, JSON.stringify(rec));
    const m = this.db.multi().hset(this.db.keys.flaky.builder(builder), ...fields).sadd(this.db.keys.flaky.builders, builder);
    const at = this.cursor?.queueCursor(m) ?? null;
    const res = (await m.exec()) ?? [];
    if (!res[res.length - 1]?.[0]) this.cursor?.cursorWritten(at);
  }

  /** Every builder's records. */
  async all(): Promise<Array<{ builder: string; field: string; record: FlakyRecord }>> {
    const out: Array<{ builder: string; field: string; record: FlakyRecord }> = [];
    for (const builder of (await this.db.redis.smembers(this.db.keys.flaky.builders)).sort()) {
      for (const [field, record] of await this.records(builder)) out.push({ builder, field, record });
    }
    return out;
  }
}
