import type { Store } from './store.js';
import { dbOf } from './db.js';

/**
 * One thing bb is to say on a chat transport, kept in Redis until it is said: an announcement in
 * a channel or room, or a message to one person (a reminder, a DM announcement).
 */
export interface OutboxEntry {
  v: 1;
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

/** Appends `entry` to the transport's outbox; resolves once it is stored. */
export async function pushOutbox(store: Store, transport: string, entry: OutboxEntry): Promise<void> {
  await dbOf(store).write((m) => m.rpush(dbOf(store).keys.chatOutbox(transport), JSON.stringify(entry)));
}

/** The oldest `n` entries still to say. A malformed entry reads as null (the caller drops it). */
export async function peekOutbox(store: Store, transport: string, n: number): Promise<Array<OutboxEntry | null>> {
  const raw = await dbOf(store).redis.lrange(dbOf(store).keys.chatOutbox(transport), 0, n - 1);
  return raw.map((r) => {
    try {
      const e = JSON.parse(r) as OutboxEntry;
      return e && e.v === 1 && typeof e.text === 'string' && typeof e.to === 'string' ? e : null;
    } catch {
      return null;
    }
  });
}

/**
 * Removes the oldest entry (once it is said). Fenced: a master that lost the lead removes nothing
 * (the new leader's drain owns the outbox, and another entry may be in front by now).
 */
export async function popOutbox(store: Store, transport: string): Promise<void> {
  await dbOf(store).write((m) => m.lpop(dbOf(store).keys.chatOutbox(transport)));
}

export async function outboxLength(store: Store, transport: string): Promise<number> {
  return dbOf(store).redis.llen(dbOf(store).keys.chatOutbox(transport));
}

/** The DM room bb uses with `user`, when one is known. */
export async function getDmRoom(store: Store, transport: string, user: string): Promise<string | null> {
  return dbOf(store).redis.hget(dbOf(store).keys.chatDmRoom(transport), user);
}

export async function setDmRoom(store: Store, transport: string, user: string, room: string): Promise<void> {
  await dbOf(store).redis.hset(dbOf(store).keys.chatDmRoom(transport), user, room);
}

export async function dropDmRoom(store: Store, transport: string, user: string): Promise<void> {
  await dbOf(store).redis.hdel(dbOf(store).keys.chatDmRoom(transport), user);
}
