import type { DisabledRecord, SchedulerSwitch } from '../model/scheduler-switch.js';
import type { Db, Multi } from './db.js';

/** A change waiting in a scheduler's list: `<changeId>:i` (important) or `<changeId>:u`. */
export interface PendingEntry {
  scheduler: string;
  branch: string;
  changeId: number;
  important: boolean;
}

/** Changes a fire took from a pending list, and the handle to consume with its BuildSet. */
export interface Taken {
  entries: string[];
  /** Pass in NewBuildSet.consume: the hand-over list is deleted with the BuildSet. */
  handle: string;
}

/**
 * The schedulers' state: the classifier's cursor (db:sched:cursor), each scheduler's lists of
 * waiting changes and their hand-over while a timer fires (db:sched:<name>:pending|taking:…),
 * the switches (db:sched:disabled) and the dependent schedulers' upstream cursors
 * (db:sched:<name>:upstream-cursor|upstream-done).
 */
export class SchedulerStateRepo {
  constructor(private readonly db: Db) {}

  /**
   * What retention must leave alone for the schedulers: the changes waiting in their lists (or
   * being handed over), and the lowest BuildSet id a dependent scheduler has not handled yet.
   */
  async retentionHolds(): Promise<{ changes: Set<number>; buildsetsAbove: number }> {
    const holds = { changes: new Set<number>(), buildsetsAbove: Number.MAX_SAFE_INTEGER };
    for (const key of await this.db.scanKeys(this.db.keys.schedPattern)) {
      if (key.endsWith(':upstream-cursor')) {
        holds.buildsetsAbove = Math.min(holds.buildsetsAbove, Number((await this.db.redis.get(key)) ?? 0));
      } else if (key.includes(':pending:') || key.includes(':taking:')) {
        if ((await this.db.redis.type(key)) !== 'list') continue;
        for (const entry of await this.db.redis.lrange(key, 0, -1)) {
          const id = Number.parseInt(entry, 10);
          if (Number.isFinite(id)) holds.changes.add(id);
        }
      }
    }
    return holds;
  }

  async cursor(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.schedCursor)) ?? 0);
  }

  /** Record what one classifier pass decided, and move the cursor to `upTo`, in one transaction. */
  async classified(upTo: number, entries: PendingEntry[]): Promise<void> {
    const m = this.db.multi();
    for (const e of entries) m.rpush(this.db.keys.schedPending(e.scheduler, e.branch), `${e.changeId}:${e.important ? 'i' : 'u'}`);
    m.set(this.db.keys.schedCursor, String(upTo));
    await m.exec();
  }

  /** Every branch of a scheduler with changes waiting, and the entries waiting there. */
  async waiting(scheduler: string): Promise<Array<{ branch: string; entries: string[] }>> {
    const prefix = this.db.keys.schedPending(scheduler, '');
    const out: Array<{ branch: string; entries: string[] }> = [];
    for (const key of await this.db.scanKeys(`${prefix}*`)) {
      out.push({ branch: key.slice(prefix.length), entries: await this.db.redis.lrange(key, 0, -1) });
    }
    return out;
  }

  /**
   * Take a branch's waiting changes for the fire `fireId` (crash-safe: a second call for the same
   * fire finds what the first took). Null when nothing waited.
   */
  async take(scheduler: string, branch: string, fireId: string): Promise<Taken | null> {
    const pending = this.db.keys.schedPending(scheduler, branch);
    const taking = this.db.keys.schedTaking(scheduler, fireId);
    if (!(await this.db.redis.exists(taking))) {
      // Fenced: an old leader waking up after a standby took over must not take changes that came
      // meanwhile into a fire nobody will read again.
      const [[renamed] = [null]] = (await this.db.multi().rename(pending, taking).exec()) ?? [];
      if (renamed) return null; // nothing waited: an earlier timer took it all
    }
    return { entries: await this.db.redis.lrange(taking, 0, -1), handle: taking };
  }

  /** Changes a fire took but did not build go back in front of the branch's list, in order. */
  async giveBack(scheduler: string, branch: string, taken: Taken): Promise<void> {
    const m = this.db.multi();
    this.putBack(m, scheduler, branch, taken.handle, taken.entries);
    await m.exec();
  }

  /**
   * In a periodic or nightly fire's transaction (TimedRepo.beginFire): the changes waiting on
   * `branch` are handed over to the fire `fireId`. Returns the hand-over's handle (kept in the
   * fire's record; `handedOver` reads it, `putBack` undoes it, NewBuildSet.consume deletes it).
   */
  async handOver(m: Multi, scheduler: string, branch: string, fireId: string): Promise<string> {
    const pending = this.db.keys.schedPending(scheduler, branch);
    const taking = this.db.keys.schedTaking(scheduler, fireId);
    if (await this.db.redis.exists(pending)) m.rename(pending, taking);
    return taking;
  }

  /** The changes a hand-over holds (`<changeId>:i|u`, in order). */
  async handedOver(handle: string): Promise<string[]> {
    return this.db.redis.lrange(handle, 0, -1);
  }

  /** In a transaction: a hand-over's changes go back in front of the branch's list, in order. */
  putBack(m: Multi, scheduler: string, branch: string, handle: string, entries: string[]): void {
    if (entries.length) m.lpush(this.db.keys.schedPending(scheduler, branch), ...[...entries].reverse());
    m.del(handle);
  }

  // ---- switches ---------------------------------------------------------------------------

  /**
   * Switch a scheduler on or off. The switch lives in Redis, so it survives a master restart.
   * Returns false (and publishes nothing) when it already was in that state.
   */
  async switch(sw: SchedulerSwitch): Promise<boolean> {
    const key = this.db.keys.schedDisabled;
    const changed = sw.enabled
      ? Number(await this.db.write((m) => m.hdel(key, sw.scheduler))) === 1
      : Number(await this.db.write((m) => m.hsetnx(key, sw.scheduler, JSON.stringify({ by: sw.by, at: sw.at, ...(sw.reason ? { reason: sw.reason } : {}) })))) === 1;
    return changed;
  }

  /** Every switched-off scheduler, with who switched it off. */
  async disabled(): Promise<Map<string, DisabledRecord>> {
    const raw = await this.db.redis.hgetall(this.db.keys.schedDisabled);
    return new Map(Object.entries(raw).map(([name, json]) => [name, JSON.parse(json) as DisabledRecord]));
  }

  async isEnabled(scheduler: string): Promise<boolean> {
    return (await this.db.redis.hexists(this.db.keys.schedDisabled, scheduler)) === 0;
  }

  // ---- dependent schedulers ---------------------------------------------------------------

  /** Where a dependent scheduler stands: every BuildSet up to `cursor` is handled, and `done` above it. */
  async upstream(scheduler: string): Promise<{ cursor: number; done: Set<number> }> {
    const cursor = Number((await this.db.redis.get(this.db.keys.upstreamCursor(scheduler))) ?? 0);
    const done = new Set((await this.db.redis.zrangebyscore(this.db.keys.upstreamDone(scheduler), `(${cursor}`, '+inf')).map(Number));
    return { cursor, done };
  }

  /** A dependent scheduler's first start begins at `cursor`; an existing cursor stays. */
  async startUpstream(scheduler: string, cursor: number): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.upstreamCursor(scheduler), String(cursor), 'NX'));
  }

  /** Move a dependent scheduler's cursor up, forgetting the handled ids at or below it. */
  async advanceUpstream(scheduler: string, cursor: number): Promise<void> {
    await this.db.multi().set(this.db.keys.upstreamCursor(scheduler), String(cursor)).zremrangebyscore(this.db.keys.upstreamDone(scheduler), '-inf', cursor).exec();
  }

  /** An upstream BuildSet passed over (the dependent scheduler was off). */
  async passUpstream(scheduler: string, upstreamId: number): Promise<void> {
    await this.db.write((m) => m.zadd(this.db.keys.upstreamDone(scheduler), upstreamId, String(upstreamId)));
  }

  /** For NewBuildSet.handled: the downstream BuildSet records, in its transaction, that it acted on the upstream one. */
  upstreamHandled(scheduler: string, upstreamId: number): { key: string; id: number } {
    return { key: this.db.keys.upstreamDone(scheduler), id: upstreamId };
  }
}
