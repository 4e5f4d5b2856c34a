import type { Db } from './db.js';

/**
 * Adds or removes events of one audience. The first write for an audience copies its config seed
 * in, so the config counts only until someone has said `notify` there; the audience then stays in
 * the index even when its set is empty ("notify off" is remembered too).
 * KEYS: index, the audience's set. ARGV: audience key, op (add|remove|clear), seed count, seeds…, events….
 */
const UPDATE = `
local nseed = tonumber(ARGV[3])
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  for i = 4, 3 + nseed do redis.call('SADD', KEYS[2], ARGV[i]) end
end
if ARGV[2] == 'clear' then
  redis.call('DEL', KEYS[2])
else
  for i = 4 + nseed, #ARGV do
    if ARGV[2] == 'add' then redis.call('SADD', KEYS[2], ARGV[i]) else redis.call('SREM', KEYS[2], ARGV[i]) end
  end
end
return redis.call('SMEMBERS', KEYS[2])
`;

/**
 * Announcement subscriptions and mutes by audience key (`irc:#dev`, `dm:<transport>:<user>`):
 * db:chat:subs, db:chat:sub:<audience>, db:chat:muted. src/notify/subscriptions.ts reads them
 * with the config's seeds.
 */
export class SubscriptionsRepo {
  constructor(private readonly db: Db) {}

  /** The stored events of an audience; `stored` false when it never said `notify` (the config applies). */
  async events(audience: string): Promise<{ stored: boolean; events: string[] }> {
    const { keys } = this.db;
    const [[, stored], [, members]] = (await this.db.reads().sismember(keys.chatSubs, audience).smembers(keys.chatSub(audience)).exec()) as [[null, number], [null, string[]]];
    return { stored: stored === 1, events: members };
  }

  /** Add, remove or clear events of an audience (its `seed` copied in on its first write); returns its events. */
  async update(audience: string, op: 'add' | 'remove' | 'clear', seed: readonly string[], events: readonly string[]): Promise<string[]> {
    const { keys } = this.db;
    return (await this.db.script(UPDATE, [keys.chatSubs, keys.chatSub(audience)], [audience, op, seed.length, ...seed, ...events])) as string[];
  }

  /** Every stored audience with its events. */
  async all(): Promise<Map<string, string[]>> {
    const { keys } = this.db;
    const audiences = await this.db.redis.smembers(keys.chatSubs);
    const pipe = this.db.reads();
    for (const a of audiences) pipe.smembers(keys.chatSub(a));
    const sets = (await pipe.exec()) ?? [];
    return new Map(audiences.map((a, i) => [a, (sets[i]?.[1] as string[] | undefined) ?? []]));
  }

  /** Mutes an audience; false when it was muted already. */
  async mute(audience: string, by: string): Promise<boolean> {
    return Number(await this.db.write((m) => m.hsetnx(this.db.keys.chatMuted, audience, JSON.stringify({ by, at: this.db.now() })))) === 1;
  }

  /** Unmutes an audience; false when it was not muted. */
  async unmute(audience: string): Promise<boolean> {
    return Number(await this.db.write((m) => m.hdel(this.db.keys.chatMuted, audience))) === 1;
  }

  async isMuted(audience: string): Promise<boolean> {
    return (await this.db.redis.hexists(this.db.keys.chatMuted, audience)) === 1;
  }

  async mutedKeys(): Promise<Set<string>> {
    return new Set(await this.db.redis.hkeys(this.db.keys.chatMuted));
  }
}
