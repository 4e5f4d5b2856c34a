import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

/**
 * One thing bb is to say on a chat transport, kept in Redis until it is said: an announcement in
 * a channel or room, or a message to one person (a reminder, a DM announcement).
 */
export interface OutboxEntry {
  v: 1;
  /**
   * Its own id, given as it is stored (entries stored by older versions have none): sent as the
   * Matrix transaction id, so the entry said again after a failover is still one message.
   */
  id?: string;
  /** When it was said (ms since the epoch): shown when it is delivered late. */
  at: number;
  /** The channel or room (`#dev`, `!room:server`), or the person (nick, Matrix id) when `direct`. */
  to: string;
  direct: boolean;
  text: string;
  html?: string;
  /** Matrix ids the message is addressed to (they get a mention that notifies). */
  mentions?: string[];
  /** What a summary of a backlog counts it as (`FAILURE`, `problem opened`, `reminder`). */
  tally?: string;
}

/**
 * What bb has still to say on each chat transport (db:chat:outbox:<transport>, oldest first) and
 * the DM rooms it talks to people in (db:chat:dm-room:<transport>).
 */
export class OutboxRepo {
  constructor(private readonly db: Db) {}

  /** Appends `entry` to the transport's outbox, with an id of its own; resolves once it is stored. */
  async push(transport: string, entry: OutboxEntry): Promise<void> {
    const stored: OutboxEntry = entry.id ? entry : { ...entry, id: randomBytes(9).toString('base64url') };
    await this.db.write((m) => m.rpush(this.db.keys.chatOutbox(transport), JSON.stringify(stored)));
  }

  /** The oldest `n` entries still to say. A malformed entry reads as null (the caller drops it). */
  async peek(transport: string, n: number): Promise<Array<OutboxEntry | null>> {
    const raw = await this.db.redis.lrange(this.db.keys.chatOutbox(transport), 0, n - 1);
    return raw.map((r) => {
      try {
        const e = JSON.parse(r) as OutboxEntry;
        return e && e.v === 1 && typeof e.text === 'string' && typeof e.to === 'string' && (e.id === undefined || typeof e.id === 'string') ? e : null;
      } catch {
        return null;
      }
    });
  }

  /**
   * Removes the oldest entry (once it is said). Fenced: a master that lost the lead removes nothing
   * (the new leader's drain owns the outbox, and another entry may be in front by now).
   */
  async pop(transport: string): Promise<void> {
    await this.db.write((m) => m.lpop(this.db.keys.chatOutbox(transport)));
  }

  /**
   * Throws NotLeaderError unless this master leads (no-op outside leader election): the drain asks
   * before each message, so a paused old leader that wakes up says nothing the new leader says.
   */
  async assertLeading(): Promise<void> {
    const fence = this.db.fence;
    if (fence) await this.db.write((m) => m.exists(fence.leaderKey));
  }

  length(transport: string): Promise<number> {
    return this.db.redis.llen(this.db.keys.chatOutbox(transport));
  }

  /** The DM room bb uses with `user`, when one is known. */
  dmRoom(transport: string, user: string): Promise<string | null> {
    return this.db.redis.hget(this.db.keys.chatDmRoom(transport), user);
  }

  async setDmRoom(transport: string, user: string, room: string): Promise<void> {
    await this.db.write((m) => m.hset(this.db.keys.chatDmRoom(transport), user, room));
  }

  async dropDmRoom(transport: string, user: string): Promise<void> {
    await this.db.write((m) => m.hdel(this.db.keys.chatDmRoom(transport), user));
  }
}
