import type { Change, ChangeFields } from '../model/change.js';
import { Kicker } from '../util/mutex.js';
import type { Db, Multi } from './db.js';
import { zsetHistory, type HistoryIndex } from './history.js';


export interface PollerTips {
  poller: string;
  tips: Record<string, string>;
}

interface PendingChange {
  fields: ChangeFields;
  key?: string;
  /** How long `key` keeps a second copy out, in seconds. Default 30 days. */
  keyTtlSec?: number;
}

interface ChangeBatch {
  items: PendingChange[];
  tips?: PollerTips;
  resolve(changes: Change[]): void;
  reject(err: unknown): void;
}

/**
 * Changes (db:change:<id>, db:changes, db:change-key:<key>) and pollers' branch tips
 * (db:poller:<name>). Publishes `change.new`.
 */
export class ChangesRepo {
  private readonly changeBatch: ChangeBatch[] = [];
  private readonly changeWriter = new Kicker(
    () => this.writeChanges(),
    () => undefined, // writeChanges hands every error to the callers it concerns
  );

  constructor(private readonly db: Db) {}

  /** Store one Change. With `key`, a second call with the same key stores nothing and returns null. */
  async add(fields: ChangeFields, key?: string): Promise<Change | null> {
    const [change] = await this.enqueueChanges([{ fields, ...(key ? { key } : {}) }]);
    return change ?? null;
  }

  /** Store a poller's new commits and its new branch tips in one transaction. */
  async addPolledChanges(list: ChangeFields[], tips: PollerTips): Promise<Change[]> {
    return this.enqueueChanges(
      list.map((fields) => ({ fields, ...(fields.revision ? { key: `poll|${tips.poller}|${fields.branch ?? ''}|${fields.revision}` } : {}) })),
      tips,
    );
  }

  /**
   * Store several changes in the order given, in one transaction (a webhook's push). An item whose
   * `key` was stored before is skipped (a redelivered webhook), so the result may be shorter.
   */
  async addChanges(items: Array<{ fields: ChangeFields; key?: string; keyTtlSec?: number }>): Promise<Change[]> {
    return this.enqueueChanges(items.map(({ fields, key, keyTtlSec }) => ({ fields, ...(key ? { key } : {}), ...(keyTtlSec ? { keyTtlSec } : {}) })));
  }

  private enqueueChanges(items: PendingChange[], tips?: PollerTips): Promise<Change[]> {
    return new Promise((resolve, reject) => {
      this.changeBatch.push({ items, ...(tips ? { tips } : {}), resolve, reject });
      this.changeWriter.kick();
    });
  }

  /**
   * Write every queued change in one transaction. Ids are allocated here, under one writer, so a
   * change with a lower id is never written after one with a higher id (the schedulers' cursor
   * relies on that). Concurrent intake therefore costs one round of writes per batch, not per change.
   */
  private async writeChanges(): Promise<void> {
    while (this.changeBatch.length) {
      const batch = this.changeBatch.splice(0);
      try {
        const keys = [...new Set(batch.flatMap((b) => b.items.flatMap((i) => (i.key ? [i.key] : []))))];
        const seen = new Set<string>();
        if (keys.length) {
          const pipe = this.db.reads();
          for (const k of keys) pipe.exists(this.db.keys.changeKey(k));
          const res = (await pipe.exec()) ?? [];
          keys.forEach((k, i) => res[i]?.[1] === 1 && seen.add(k));
        }
        const fresh = batch.map((b) =>
          b.items.filter((i) => {
            if (!i.key) return true;
            if (seen.has(i.key)) return false;
            seen.add(i.key);
            return true;
          }),
        );
        const count = fresh.reduce((n, f) => n + f.length, 0);
        // Change intake is any master's (a standby takes webhooks): unfenced, as README "Running several masters" says.
        let id = count ? (await this.db.unfenced.incrby(this.db.keys.seq('change'), count)) - count : 0;
        const receivedAt = this.db.now();
        const m = this.db.unfenced.multi();
        const stored = fresh.map((items) =>
          items.map(({ fields, key, keyTtlSec }) => {
            id += 1;
            const change: Change = { ...fields, id, when: fields.when ?? receivedAt, receivedAt };
            m.set(this.db.keys.change(id), JSON.stringify(change));
            m.zadd(this.db.keys.changes, id, String(id));
            if (key) m.set(this.db.keys.changeKey(key), String(id), 'EX', keyTtlSec ?? 30 * 24 * 3600);
            return change;
          }),
        );
        for (const b of batch) if (b.tips && Object.keys(b.tips.tips).length) m.hset(this.db.keys.poller(b.tips.poller), b.tips.tips);
        if (m.length) await m.exec();
        batch.forEach((b, i) => b.resolve(stored[i]!));
        for (const list of stored) for (const c of list) this.db.bus.emit('change.new', c);
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  async get(id: number): Promise<Change | null> {
    return this.db.getJson<Change>(this.db.keys.change(id));
  }

  /** The key of change `id` (for a read script that reads it with others). */
  key(id: number): string {
    return this.db.keys.change(id);
  }

  async getMany(ids: number[]): Promise<Change[]> {
    if (!ids.length) return [];
    return this.db.getJsonMany<Change>(ids.map((id) => this.db.keys.change(id)));
  }

  /** Every change, oldest first, as retention walks them. */
  history(): HistoryIndex {
    return zsetHistory(this.db, this.db.keys.changes);
  }

  /** Deletes a change record (retention; its index entry goes through `history`). Returns the keys deleted. */
  drop(m: Multi, id: number): number {
    m.del(this.db.keys.change(id));
    return 1;
  }

  async lastId(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.seq('change'))) ?? 0);
  }

  /** Ids of stored changes in (after, upTo], ascending. */
  async idsAfter(after: number, limit: number): Promise<number[]> {
    const ids = await this.db.redis.zrangebyscore(this.db.keys.changes, `(${after}`, '+inf', 'LIMIT', 0, limit);
    return ids.map(Number);
  }

  async recent(n: number): Promise<Change[]> {
    const ids = await this.db.redis.zrevrange(this.db.keys.changes, 0, n - 1);
    return this.getMany(ids.map(Number));
  }

  async pollerTips(poller: string): Promise<Record<string, string>> {
    return this.db.redis.hgetall(this.db.keys.poller(poller));
  }
}
