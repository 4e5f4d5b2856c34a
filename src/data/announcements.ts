import type { Db, Multi } from './db.js';

/**
 * An announcement to make, stored with the write that calls for it: a build's `finished` with its
 * end, `started` with its first step; a Problem's `problem.opened`, `problem.flaky`,
 * `problem.resolved` with that change. Its member in db:announce:due is `<id>` (finished) or
 * `<kind>:<id>`; `id` is the build's or the Problem's.
 */
export interface DueAnnouncement {
  kind: 'started' | 'finished' | 'problem.opened' | 'problem.flaky' | 'problem.resolved';
  id: number;
}

/** How many due announcements are kept (the newest by build id). */
const KEPT = 1000;

/**
 * Build announcements not yet in a chat outbox (db:announce:due) and those taken but not all
 * stored yet (db:announce:taking). The build's own transaction makes one due; the announcer
 * takes it (one taker across masters, fenced), says it, and marks it announced once every line
 * is in the outbox. A leader killed in between leaves it taken, and the next leader says it.
 */
export class AnnouncementsRepo {
  constructor(private readonly db: Db) {}

  /** Adds a due announcement to a build's transaction. */
  due(m: Multi, a: DueAnnouncement): void {
    m.zadd(this.db.keys.announceDue, a.id, member(a));
    m.zremrangebyrank(this.db.keys.announceDue, 0, -KEPT - 1);
  }

  /**
   * Takes a due announcement (fenced): true for one taker. The read before the write is safe: one
   * announcer per leader takes, one event at a time, and a deposed leader's write is refused.
   */
  async take(a: DueAnnouncement): Promise<boolean> {
    const { keys } = this.db;
    if ((await this.db.redis.zscore(keys.announceDue, member(a))) === null) return false;
    return Number(await this.db.write((m) => m.zrem(keys.announceDue, member(a)).zadd(keys.announceTaking, a.id, member(a)))) === 1;
  }

  /** Its chat lines are all in the outbox (fenced). */
  async announced(a: DueAnnouncement): Promise<void> {
    await this.db.write((m) => m.zrem(this.db.keys.announceTaking, member(a)));
  }

  /** No longer worth saying (the build ended before its start was said, or long ago): forgotten (fenced). */
  async drop(a: DueAnnouncement): Promise<void> {
    await this.db.write((m) => m.zrem(this.db.keys.announceDue, member(a)));
  }

  /**
   * What is still to announce, oldest build first: due, or taken by a leader that died before
   * storing its lines (put back in due by this call, fenced; an announcer calls it as it starts).
   */
  async pending(): Promise<DueAnnouncement[]> {
    const { keys } = this.db;
    await this.db.write((m) => m.zunionstore(keys.announceDue, 2, keys.announceDue, keys.announceTaking).del(keys.announceTaking));
    return (await this.db.redis.zrange(keys.announceDue, 0, -1)).map(parse);
  }
}

function member(a: DueAnnouncement): string {
  return a.kind === 'finished' ? String(a.id) : `${a.kind}:${a.id}`;
}

function parse(m: string): DueAnnouncement {
  const at = m.lastIndexOf(':');
  return at < 0 ? { kind: 'finished', id: Number(m) } : { kind: m.slice(0, at) as DueAnnouncement['kind'], id: Number(m.slice(at + 1)) };
}
