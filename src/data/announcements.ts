import { randomBytes } from 'node:crypto';
import type { Db, Multi } from './db.js';
import type { ExecutorAnnouncement } from '../model/records.js';

export type { ExecutorAnnouncement };

/** A build's or a Problem's announcement: said from the build or Problem as stored (`id` is its id). */
export interface RecordAnnouncement {
  kind: 'started' | 'finished' | 'problem.opened' | 'problem.flaky' | 'problem.resolved';
  id: number;
}


/**
 * An announcement to make, stored with the write that calls for it: a build's `finished` with its
 * end, `started` with its first step; a Problem's `problem.opened`, `problem.flaky`,
 * `problem.resolved` with that change; an executor's with its record (or its refused process's).
 * Its member in db:announce:due is `<id>` (finished), `<kind>:<id>`, or `executor:<JSON>`.
 */
export type DueAnnouncement = RecordAnnouncement | ExecutorAnnouncement;

/** A fresh executor announcement (its id made here). */
export function executorAnnouncement(a: Omit<ExecutorAnnouncement, 'kind' | 'id'>): ExecutorAnnouncement {
  return { kind: 'executor', id: randomBytes(6).toString('hex'), ...a };
}

/** How many due announcements are kept (the newest by build id). */
const KEPT = 1000;

/**
 * Announcements not yet in a chat outbox (db:announce:due) and those taken but not all stored yet
 * (db:announce:taking). The write that calls for one makes it due; the announcer takes it (one
 * taker across masters, fenced), says it, and marks it announced once every line is in the
 * outbox. A leader killed in between leaves it taken, and the next leader says it.
 */
export class AnnouncementsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Adds a due announcement to a transaction. An executor's has score 0: the first trimmed when
   * more than KEPT are due (only when nobody announces: no chat configured).
   */
  due(m: Multi, a: DueAnnouncement): void {
    m.zadd(this.db.keys.announceDue, a.kind === 'executor' ? 0 : a.id, member(a));
    m.zremrangebyrank(this.db.keys.announceDue, 0, -KEPT - 1);
  }

  /**
   * Takes a due announcement (fenced): true for one taker. The read before the write is safe: one
   * announcer per leader takes, one event at a time, and a deposed leader's write is refused.
   */
  async take(a: DueAnnouncement): Promise<boolean> {
    const { keys } = this.db;
    const m = member(a);
    const score = await this.db.redis.zscore(keys.announceDue, m);
    if (score === null) return false;
    return Number(await this.db.write((w) => w.zrem(keys.announceDue, m).zadd(keys.announceTaking, score, m))) === 1;
  }

  /**
   * Its chat lines are all in the outbox (fenced). `also` adds to the same write what goes with it
   * (the watches it told: WatchesRepo.removeIn), so a leader killed before it leaves them for the next.
   */
  async announced(a: DueAnnouncement, also?: (m: Multi) => void): Promise<void> {
    await this.db.write((m) => {
      m.zrem(this.db.keys.announceTaking, member(a));
      also?.(m);
    });
  }

  /** No longer worth saying (the build ended before its start was said, or long ago): forgotten (fenced). */
  async drop(a: DueAnnouncement): Promise<void> {
    await this.db.write((m) => m.zrem(this.db.keys.announceDue, member(a)));
  }

  /**
   * What is still to announce, oldest first: due, or taken by a leader that died before storing
   * its lines (put back in due by this call, fenced; an announcer calls it as it starts).
   */
  async pending(): Promise<DueAnnouncement[]> {
    const { keys } = this.db;
    await this.db.write((m) => m.zunionstore(keys.announceDue, 2, keys.announceDue, keys.announceTaking).del(keys.announceTaking));
    return (await this.db.redis.zrange(keys.announceDue, 0, -1)).flatMap((m) => {
      const a = parse(m);
      return a ? [a] : [];
    });
  }
}

const EXECUTOR = 'executor:';

function member(a: DueAnnouncement): string {
  if (a.kind === 'executor') {
    const { kind: _kind, ...rest } = a;
    return EXECUTOR + JSON.stringify(rest);
  }
  return a.kind === 'finished' ? String(a.id) : `${a.kind}:${a.id}`;
}

/** A member read back; null for one that does not parse (left for the trim). */
function parse(m: string): DueAnnouncement | null {
  if (m.startsWith(EXECUTOR)) {
    try {
      const a = JSON.parse(m.slice(EXECUTOR.length)) as Omit<ExecutorAnnouncement, 'kind'>;
      return typeof a?.id === 'string' && typeof a.name === 'string' ? { kind: 'executor', ...a } : null;
    } catch {
      return null;
    }
  }
  const at = m.lastIndexOf(':');
  return at < 0 ? { kind: 'finished', id: Number(m) } : { kind: m.slice(0, at) as RecordAnnouncement['kind'], id: Number(m.slice(at + 1)) };
}
