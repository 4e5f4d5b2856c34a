import { problemKeys, type Problem, type SheriffOverride } from '../model/problem.js';
import type { AnnouncementsRepo } from './announcements.js';
import type { Db, Multi } from './db.js';
import { zsetHistory, type HistoryIndex } from './history.js';
import { DETECTOR_PLACE_SCRIPT } from './read-scripts.js';

/** The events a Problem write publishes. */
export type ProblemEvent = 'problem.opened' | 'problem.flaky' | 'problem.resolved' | 'problem.changed';

/**
 * The write path for Problems: every change is stored, then published on the bus. Keys:
 * db:problem:<id>, db:problems (zset of all), db:problems:open (zset), db:problem-key:<key>,
 * db:problems:cursor and :done (the detector's place), db:problems:sheriff (see keys.ts).
 */
export class ProblemsRepo {
  /** Bumped by every write of a Problem through this repository (lets a reader know its copy is still current within this process). */
  writes = 0;

  constructor(
    private readonly db: Db,
    private readonly announcements: AnnouncementsRepo,
  ) {}

  async get(id: number): Promise<Problem | null> {
    const raw = await this.db.redis.get(this.db.keys.problem.one(id));
    return raw ? (JSON.parse(raw) as Problem) : null;
  }

  async byKey(key: string): Promise<Problem | null> {
    const id = await this.db.redis.get(this.db.keys.problem.key(key));
    return id ? this.get(Number(id)) : null;
  }

  async openIds(): Promise<number[]> {
    return (await this.db.redis.zrange(this.db.keys.problem.open, 0, -1)).map(Number);
  }

  async list(ids: number[]): Promise<Problem[]> {
    if (!ids.length) return [];
    const raw = await this.db.redis.mget(ids.map((id) => this.db.keys.problem.one(id)));
    return raw.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as Problem);
  }

  async open(): Promise<Problem[]> {
    return this.list(await this.openIds());
  }

  /** Newest first. */
  async recent(n: number): Promise<Problem[]> {
    const ids = (await this.db.redis.zrevrange(this.db.keys.problem.all, 0, n - 1)).map(Number);
    return this.list(ids);
  }

  /** Creates a Problem (id assigned here); `event` is published after the write. */
  async create(fields: Omit<Problem, 'id'>, event?: ProblemEvent, otherKeys: string[] = []): Promise<Problem> {
    const keys = this.db.keys.problem;
    this.writes += 1;
    const id = Number(await this.withCursor(this.db.multi().incr(keys.seq)));
    const p: Problem = { id, ...fields };
    const m = this.db.multi().set(keys.one(id), JSON.stringify(p)).zadd(keys.all, id, String(id));
    for (const key of [p.key, ...otherKeys]) m.set(keys.key(key), String(id));
    if (p.state === 'suspected' || p.state === 'confirmed') m.zadd(keys.open, id, String(id));
    this.due(m, p.id, event);
    await this.withCursor(m);
    if (event) this.db.bus.emit(event, p);
    return p;
  }

  /** Writes a Problem back (keeping the open index in step); `event` is published after the write. */
  async put(p: Problem, event?: ProblemEvent): Promise<Problem> {
    this.writes += 1;
    const keys = this.db.keys.problem;
    const m = this.db.multi().set(keys.one(p.id), JSON.stringify(p));
    if (p.state === 'suspected' || p.state === 'confirmed') m.zadd(keys.open, p.id, String(p.id));
    else m.zrem(keys.open, String(p.id));
    this.due(m, p.id, event);
    await this.withCursor(m);
    if (event) this.db.bus.emit(event, p);
    return p;
  }

  /** The announcement `event` calls for, due with the write (said by the announcer, across a failover too). */
  private due(m: Multi, id: number, event: ProblemEvent | undefined): void {
    if (event && event !== 'problem.changed') this.announcements.due(m, { kind: event, id });
  }

  // ---- retention (src/data/prune.ts) ----

  /** Every Problem, oldest first, as retention walks them. */
  history(): HistoryIndex {
    return zsetHistory(this.db, this.db.keys.problem.all);
  }

  /** The Problems stored at `ids`, in order, null where there is none. */
  async slots(ids: number[]): Promise<Array<Problem | null>> {
    if (!ids.length) return [];
    return (await this.db.redis.mget(ids.map((id) => this.db.keys.problem.one(id)))).map((r) => (r == null ? null : (JSON.parse(r) as Problem)));
  }

  /** The identity keys that still lead to Problem `p` (a newer Problem may have taken one over). */
  async keysOf(p: Problem): Promise<string[]> {
    const keys = problemKeys(p);
    const ids = await this.db.redis.mget(keys.map((k) => this.db.keys.problem.key(k)));
    return keys.filter((_, i) => ids[i] === String(p.id));
  }

  /** Deletes a Problem and the identity keys `keys` that lead to it (its index entry goes through `history`). Returns the keys deleted. */
  drop(m: Multi, p: Problem, keys: string[]): number {
    this.writes += 1;
    m.del(this.db.keys.problem.one(p.id), ...keys.map((k) => this.db.keys.problem.key(k))).zrem(this.db.keys.problem.open, String(p.id));
    return 1 + keys.length;
  }

  async cursor(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.problem.cursor)) ?? 0);
  }

  async setCursor(buildId: number): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.problem.cursor, String(buildId)));
    if (this.pendingCursor !== null && this.pendingCursor <= buildId) this.pendingCursor = null;
  }

  /**
   * The detector's cursor moved to `buildId` (the builds up to it are handled): stored with the
   * next write of a Problem, of the detector's place or of flaky records (FlakyRepo), whichever
   * comes first, or by `flushCursor`. So no effect of a later build is ever stored before the
   * cursor that says the earlier ones were handled, and a run of builds whose handling wrote
   * nothing costs one write at the end of the pass rather than one each.
   */
  deferCursor(buildId: number): void {
    this.pendingCursor = buildId;
    // Only for this term of leadership: another master may move the cursor on in between.
    this.pendingToken = this.db.fence?.token ?? null;
  }

  /** Stores a deferred cursor now (the detector's pass ends). */
  async flushCursor(): Promise<void> {
    if (this.pendingToken !== (this.db.fence?.token ?? null)) this.pendingCursor = null;
    if (this.pendingCursor !== null) await this.setCursor(this.pendingCursor);
  }

  /** Adds the deferred cursor (if any) to a write's transaction; returns what was added. */
  queueCursor(m: Multi): number | null {
    if (this.pendingToken !== (this.db.fence?.token ?? null)) this.pendingCursor = null;
    const at = this.pendingCursor;
    if (at !== null) m.set(this.db.keys.problem.cursor, String(at));
    return at;
  }

  /** The deferred cursor was written (by a transaction `queueCursor` added it to). */
  cursorWritten(at: number | null): void {
    if (at !== null && this.pendingCursor === at) this.pendingCursor = null;
  }

  /** Sends `m` with the deferred cursor (if any) added to its transaction; resolves to the first command's reply. */
  private async withCursor(m: Multi): Promise<unknown> {
    const at = this.queueCursor(m);
    const res = (await m.exec()) ?? [];
    const [err, reply] = res[0] ?? [null, null];
    if (err) throw err;
    if (!res[res.length - 1]?.[0]) this.cursorWritten(at);
    return reply;
  }

  private pendingCursor: number | null = null;
  private pendingToken: string | null = null;

  /**
   * The detector's place in one round trip: its cursor and the build ids above the cursor already
   * handled (with whether any at or below it wait to be trimmed).
   */
  async place(): Promise<{ cursor: number; done: Set<number>; trim: boolean }> {
    const keys = this.db.keys;
    const res = (await this.db.reads().get(keys.problem.cursor).zrange(keys.problem.done, 0, -1).exec()) ?? [];
    for (const [err] of res) if (err) throw err;
    const cursor = Number((res[0]?.[1] as string | null) ?? 0);
    const ids = ((res[1]?.[1] as string[] | undefined) ?? []).map(Number);
    return { cursor, done: new Set(ids.filter((id) => id > cursor)), trim: ids.some((id) => id <= cursor) };
  }

  /**
   * `place()` and the highest build id given out (`lastIdKey`: BuildsRepo.lastIdKey), in one
   * command.
   */
  async placeAndLast(lastIdKey: string): Promise<{ cursor: number; done: Set<number>; trim: boolean; last: number }> {
    const keys = this.db.keys;
    const [rawCursor, rawDone, rawLast] = (await this.db.readScript(DETECTOR_PLACE_SCRIPT, [keys.problem.cursor, keys.problem.done, lastIdKey], [], 'bbDetectorPlace')) as [
      string | null,
      string[],
      string | null,
    ];
    const cursor = Number(rawCursor ?? 0);
    const ids = (rawDone ?? []).map(Number);
    return { cursor, done: new Set(ids.filter((id) => id > cursor)), trim: ids.some((id) => id <= cursor), last: Number(rawLast ?? 0) };
  }

  /** Build ids above the cursor already handled (they finished before an older build). */
  async doneAbove(cursor: number): Promise<Set<number>> {
    return new Set((await this.db.redis.zrangebyscore(this.db.keys.problem.done, cursor + 1, '+inf')).map(Number));
  }

  async markDone(buildId: number): Promise<void> {
    await this.withCursor(this.db.multi().zadd(this.db.keys.problem.done, buildId, String(buildId)));
  }

  /** Forgets handled ids at or below the cursor. */
  async trimDone(cursor: number): Promise<void> {
    await this.withCursor(this.db.multi().zremrangebyscore(this.db.keys.problem.done, '-inf', cursor));
  }

  async sheriffOverride(): Promise<SheriffOverride | null> {
    const raw = await this.db.redis.get(this.db.keys.problem.sheriff);
    return raw ? (JSON.parse(raw) as SheriffOverride) : null;
  }

  async setSheriffOverride(o: SheriffOverride): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.problem.sheriff, JSON.stringify(o)));
  }
}
