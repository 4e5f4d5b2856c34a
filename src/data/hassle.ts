import type { HassleEntry, HassleState } from '../model/hassle.js';
import type { Db, Multi } from './db.js';

/**
 * The hassler's state (src/problems/hassler.ts), all under `<prefix>:db:`:
 * - `hassle:<id>`: one Problem's ladder (HassleState, JSON);
 * - `hassle:active`: set of Problem ids with a ladder running or an ending still to tell;
 * - `hassle:<id>:sent`: set of `<step>|<user>|<via>` deliveries made (so a rerun never repeats one);
 * - `hassle:<id>:log`: list of HassleEntry (JSON), oldest first: the audit `problem N` shows;
 * - `hassle:person:<user>`: sorted set of the times reminders reached that person (the daily cap).
 */
export class HassleRepo {
  constructor(private readonly db: Db) {}

  async get(id: number): Promise<HassleState | null> {
    const raw = await this.db.redis.get(this.db.keys.hassle.one(id));
    return raw ? (JSON.parse(raw) as HassleState) : null;
  }

  /** Creates the ladder of a Problem unless it has one; true when this call created it. */
  async create(s: HassleState): Promise<boolean> {
    const keys = this.db.keys.hassle;
    const made = await this.db.write((m) => m.set(keys.one(s.problemId), JSON.stringify(s), 'NX'));
    if (made) await this.db.write((m) => m.sadd(keys.active, String(s.problemId)));
    return made === 'OK';
  }

  async put(s: HassleState): Promise<void> {
    const keys = this.db.keys.hassle;
    const m = this.db.multi().set(keys.one(s.problemId), JSON.stringify(s));
    if (s.ended) m.srem(keys.active, String(s.problemId));
    else m.sadd(keys.active, String(s.problemId));
    await m.exec();
  }

  async active(): Promise<number[]> {
    return (await this.db.redis.smembers(this.db.keys.hassle.active)).map(Number).sort((a, b) => a - b);
  }

  // ---- retention (src/data/prune.ts) ----

  /** Whether Problem `id` has a ladder or reminder log stored. */
  async has(id: number): Promise<boolean> {
    const k = this.db.keys.hassle;
    return (await this.db.redis.exists(k.one(id), k.log(id), k.sent(id))) > 0;
  }

  /** Deletes a Problem's ladder, its delivery markers and its reminder log. Returns the keys deleted. */
  drop(m: Multi, id: number): number {
    const k = this.db.keys.hassle;
    m.del(k.one(id), k.sent(id), k.log(id)).srem(k.active, String(id));
    return 3;
  }

  async wasSent(id: number, marker: string): Promise<boolean> {
    return (await this.db.redis.sismember(this.db.keys.hassle.sent(id), marker)) === 1;
  }

  /** Records a delivery: its marker (when it went out), the audit line, and the person's count. */
  async record(id: number, entry: HassleEntry, marker?: string, person?: string): Promise<void> {
    const keys = this.db.keys.hassle;
    const m = this.db.multi().rpush(keys.log(id), JSON.stringify(entry));
    if (marker) m.sadd(keys.sent(id), marker);
    if (person) m.zadd(keys.person(person), entry.at, `${id}|${entry.step}|${entry.via}|${entry.at}`).zremrangebyscore(keys.person(person), '-inf', entry.at - 86_400_000);
    await m.exec();
    this.db.bus.emit('hassle.recorded', id, entry);
  }

  async log(id: number): Promise<HassleEntry[]> {
    return (await this.db.redis.lrange(this.db.keys.hassle.log(id), 0, -1)).map((r) => JSON.parse(r) as HassleEntry);
  }

  /** Reminders that reached `user` in the 24 hours before `at`. */
  async remindersInDay(user: string, at: number): Promise<number> {
    return this.db.redis.zcount(this.db.keys.hassle.person(user), at - 86_400_000, '+inf');
  }
}
