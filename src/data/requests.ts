import type { BuildRequest } from '../model/build.js';
import type { Db, Multi } from './db.js';
import { pendingScore } from './keys.js';

/**
 * BuildRequests (db:request:<id>) and each builder's line of pending requests
 * (db:builder:<name>:pending) and of collapsed and superseded ones. The BuildSets repository
 * creates and settles them (one transaction with their BuildSet); the Builds repository claims them.
 */
export class RequestsRepo {
  constructor(private readonly db: Db) {}

  /** Reserves `n` new request ids (a BuildSet's requests); returns the first. */
  async reserveIds(n: number): Promise<number> {
    return Number(await this.db.write((m) => m.incrby(this.db.keys.seq('request'), n))) - n + 1;
  }

  /** The key of request `id` (for a read script that reads it with others). */
  key(id: number): string {
    return this.db.keys.request(id);
  }

  async get(id: number): Promise<BuildRequest | null> {
    return this.db.getJson<BuildRequest>(this.db.keys.request(id));
  }

  async getMany(ids: number[]): Promise<BuildRequest[]> {
    return this.db.getJsonMany<BuildRequest>(ids.map((id) => this.db.keys.request(id)));
  }

  /** Pending requests of the given builders, in all. */
  async pendingCount(builders: string[]): Promise<number> {
    let n = 0;
    for (const c of (await this.pendingByBuilder(builders)).values()) n += c;
    return n;
  }

  /** Pending requests per builder. */
  async pendingByBuilder(builders: string[]): Promise<Map<string, number>> {
    const m = this.db.reads();
    for (const b of builders) m.zcard(this.db.keys.builderPending(b));
    const res = (await m.exec()) ?? [];
    return new Map(builders.map((b, i) => [b, Number(res[i]?.[1] ?? 0)]));
  }

  /** The next request of each builder (highest priority, then oldest), with its order score. */
  async pendingHeads(builders: string[]): Promise<Map<string, { requestId: number; score: number }>> {
    const pipe = this.db.reads();
    this.queueHeads(pipe, builders);
    return this.heads(builders, (await pipe.exec()) ?? []);
  }

  /** The key of a builder's pending line (for a read script that reads it with others). */
  pendingKey(builder: string): string {
    return this.db.keys.builderPending(builder);
  }

  /** Queues the reads of `pendingHeads` on a caller's read transaction (read back with `heads`). */
  queueHeads(m: Multi, builders: string[]): void {
    for (const b of builders) m.zrange(this.db.keys.builderPending(b), 0, 0, 'WITHSCORES');
  }

  /** The heads from the replies of `queueHeads` (`res`: from its first reply on). */
  heads(builders: string[], res: Array<[Error | null, unknown]>): Map<string, { requestId: number; score: number }> {
    const heads = new Map<string, { requestId: number; score: number }>();
    builders.forEach((b, i) => {
      const [id, score] = (res[i]?.[1] as string[] | undefined) ?? [];
      if (id !== undefined && score !== undefined) heads.set(b, { requestId: Number(id), score: Number(score) });
    });
    return heads;
  }

  /** A builder's pending request ids in the order they would run (at most `limit`). */
  async pendingOf(builder: string, limit = 500): Promise<number[]> {
    return (await this.db.redis.zrange(this.db.keys.builderPending(builder), 0, limit - 1)).map(Number);
  }

  /** Every pending request id of every builder (SCAN over the builders' lines: for retention's background pass). */
  async allPending(): Promise<number[]> {
    const ids: number[] = [];
    for (const key of await this.db.scanKeys(this.db.keys.builderPendingPattern)) ids.push(...(await this.db.redis.zrange(key, 0, -1)).map(Number));
    return ids;
  }

  /** A pending-set entry whose request is no longer pending (should not happen; healed when seen). */
  async dropStalePending(builder: string, requestId: number): Promise<void> {
    await this.db.write((m) => m.zrem(this.db.keys.builderPending(builder), String(requestId)));
  }

  /** Deletes request records `ids` and the collapsed/superseded notes of `known` (retention). Returns the keys deleted. */
  drop(m: Multi, ids: number[], known: BuildRequest[]): number {
    if (ids.length) m.del(...ids.map((id) => this.db.keys.request(id)));
    for (const r of known) m.zrem(this.db.keys.builderCollapsed(r.builder), String(r.id)).zrem(this.db.keys.builderSuperseded(r.builder), String(r.id));
    return ids.length;
  }

  /** Write a request record (inside the caller's transaction). */
  write(m: Multi, r: BuildRequest): void {
    m.set(this.db.keys.request(r.id), JSON.stringify(r));
  }

  /** Put a request in its builder's line (inside the caller's transaction). */
  enqueue(m: Multi, r: BuildRequest): void {
    m.zadd(this.db.keys.builderPending(r.builder), pendingScore(r.priority, r.id), String(r.id));
  }

  /** Take a request out of its builder's line (inside the caller's transaction). */
  dequeue(m: Multi, r: BuildRequest): void {
    m.zrem(this.db.keys.builderPending(r.builder), String(r.id));
  }

  /** Record that a request collapsed into a newer one (inside the caller's transaction). */
  noteCollapsed(m: Multi, r: BuildRequest): void {
    m.zadd(this.db.keys.builderCollapsed(r.builder), r.id, String(r.id));
  }

  /** Record that a newer BuildSet superseded a request (inside the caller's transaction). */
  noteSuperseded(m: Multi, r: BuildRequest): void {
    m.zadd(this.db.keys.builderSuperseded(r.builder), r.id, String(r.id));
  }

  /**
   * Record that a claimed request (its build is being stopped) was superseded: when its build ends
   * it completes as it ended, except that a RETRY is not retried but ends CANCELLED. Returns the
   * request as stored, or null when it is not claimed.
   */
  async markSuperseded(requestId: number, supersededBy: number, text: string): Promise<BuildRequest | null> {
    const marked = await this.withLocks([requestId], async () => {
      const req = await this.get(requestId);
      if (!req || req.state !== 'claimed' || req.supersededBy !== undefined) return null;
      const next: BuildRequest = { ...req, supersededBy, text };
      const m = this.db.multi();
      this.write(m, next);
      this.noteSuperseded(m, next);
      await m.exec();
      return next;
    });
    return marked;
  }

  /** How many requests of each builder collapsed into newer ones, and how many newer BuildSets superseded. */
  async supersededCounts(builders: string[]): Promise<Map<string, { collapsed: number; superseded: number }>> {
    const m = this.db.reads();
    for (const b of builders) m.zcard(this.db.keys.builderCollapsed(b)).zcard(this.db.keys.builderSuperseded(b));
    const res = (await m.exec()) ?? [];
    return new Map(builders.map((b, i) => [b, { collapsed: Number(res[2 * i]?.[1] ?? 0), superseded: Number(res[2 * i + 1]?.[1] ?? 0) }]));
  }

  /** The newest `n` requests of a builder that collapsed or were superseded, newest first. */
  async recentSuperseded(builder: string, n: number): Promise<BuildRequest[]> {
    const [a, b] = await Promise.all([
      this.db.redis.zrevrange(this.db.keys.builderCollapsed(builder), 0, n - 1),
      this.db.redis.zrevrange(this.db.keys.builderSuperseded(builder), 0, n - 1),
    ]);
    const ids = [...new Set([...a, ...b].map(Number))].sort((x, y) => y - x).slice(0, n);
    return this.getMany(ids);
  }

  /** Run `fn` holding the locks of several requests, taken in one order so two callers never deadlock. */
  withLocks<T>(ids: number[], fn: () => Promise<T>): Promise<T> {
    const keys = [...new Set(ids)].sort((a, b) => a - b).map((id) => `request:${id}`);
    const take = (i: number): Promise<T> => (i === keys.length ? fn() : this.db.lock.run(keys[i]!, () => take(i + 1)));
    return take(0);
  }
}
