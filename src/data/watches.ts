import type { Db, Multi } from './db.js';

/**
 * Build watches (`watch` in chat): db:chat:watches, a hash of `<builder>|<audience>|#<n>` or
 * `…|><after>` → the watch's JSON. src/notify/watches.ts gives them their types.
 */
export class WatchesRepo {
  constructor(private readonly db: Db) {}

  async put(field: string, json: string): Promise<void> {
    await this.db.write((m) => m.hset(this.db.keys.chatWatches, field, json));
  }

  /** False when it is gone already (whoever removes it announces it, once). */
  async remove(field: string): Promise<boolean> {
    return Number(await this.db.write((m) => m.hdel(this.db.keys.chatWatches, field))) === 1;
  }

  /** Removes watches that were told (fenced); a finished build's go with its announcement (announcements.ts). */
  async removeAll(fields: readonly string[]): Promise<void> {
    if (fields.length) await this.db.write((m) => m.hdel(this.db.keys.chatWatches, ...fields));
  }

  /** Adds the removal of told watches to another repository's write (a finished build's announcement: AnnouncementsRepo.announced). */
  removeIn(m: Multi, fields: readonly string[]): void {
    if (fields.length) m.hdel(this.db.keys.chatWatches, ...fields);
  }

  /** Replaces one watch with another in one write (fenced): a watch on a retried build moves to the next. */
  async move(from: string, to: string, json: string): Promise<void> {
    await this.db.write((m) => m.hdel(this.db.keys.chatWatches, from).hset(this.db.keys.chatWatches, to, json));
  }

  async all(): Promise<string[]> {
    return this.db.redis.hvals(this.db.keys.chatWatches);
  }
}
