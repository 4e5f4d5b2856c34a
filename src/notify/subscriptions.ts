import type { Redis } from 'ioredis';
import { NOTIFY_EVENTS, type NotifyEvent } from '../config/schema.js';
import { audienceKey, parseAudienceKey, type Audience } from './audience.js';

/** A target from `chat.announce` in the config, with the events it starts with. */
export interface AnnounceSeed {
  target: string;
  events: readonly NotifyEvent[];
}

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
 * Who wants which announcements, and who asked for quiet, kept in Redis under `<prefix>:db:chat:`
 * (see src/data/keys.ts). Channels subscribe by their target (`irc:#dev`), people by
 * `dm:<transport>:<user>`.
 */
export class SubscriptionStore {
  private readonly seeds = new Map<string, NotifyEvent[]>();
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    /** The store's `<prefix>:db` (Keys.db). */
    db: string,
    seeds: readonly AnnounceSeed[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.base = `${db}:chat`;
    for (const s of seeds) {
      const a = parseAudienceKey(s.target);
      if (!a) continue;
      const key = audienceKey(a);
      this.seeds.set(key, ordered([...(this.seeds.get(key) ?? []), ...s.events]));
    }
  }

  private get index(): string {
    return `${this.base}:subs`;
  }
  private set(key: string): string {
    return `${this.base}:sub:${key}`;
  }
  private get muted(): string {
    return `${this.base}:muted`;
  }

  /** The events an audience gets: what was stored, else its config seed, else none. */
  async events(a: Audience): Promise<NotifyEvent[]> {
    const key = audienceKey(a);
    const [[, stored], [, members]] = (await this.redis.multi().sismember(this.index, key).smembers(this.set(key)).exec()) as [[null, number], [null, string[]]];
    return stored ? ordered(members) : (this.seeds.get(key) ?? []);
  }

  subscribe(a: Audience, events: readonly NotifyEvent[]): Promise<NotifyEvent[]> {
    return this.update(a, 'add', events);
  }

  unsubscribe(a: Audience, events: readonly NotifyEvent[] | 'all'): Promise<NotifyEvent[]> {
    return events === 'all' ? this.update(a, 'clear', []) : this.update(a, 'remove', events);
  }

  private async update(a: Audience, op: 'add' | 'remove' | 'clear', events: readonly NotifyEvent[]): Promise<NotifyEvent[]> {
    const key = audienceKey(a);
    const seed = this.seeds.get(key) ?? [];
    const members = (await this.redis.eval(UPDATE, 2, this.index, this.set(key), key, op, seed.length, ...seed, ...events)) as string[];
    return ordered(members);
  }

  /** Every audience that gets at least one event, with its events. */
  async audiences(): Promise<Array<{ audience: Audience; events: NotifyEvent[] }>> {
    const keys = await this.redis.smembers(this.index);
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.smembers(this.set(k));
    const sets = (await pipe.exec()) ?? [];
    const all = new Map<string, NotifyEvent[]>(this.seeds);
    keys.forEach((k, i) => all.set(k, ordered((sets[i]?.[1] as string[] | undefined) ?? [])));
    const out: Array<{ audience: Audience; events: NotifyEvent[] }> = [];
    for (const [k, events] of all) {
      const audience = parseAudienceKey(k);
      if (audience && events.length) out.push({ audience, events });
    }
    return out;
  }

  /** Mutes an audience; false when it was muted already. */
  async mute(a: Audience, by: string): Promise<boolean> {
    return (await this.redis.hsetnx(this.muted, audienceKey(a), JSON.stringify({ by, at: this.now() }))) === 1;
  }

  /** Unmutes an audience; false when it was not muted. */
  async unmute(a: Audience): Promise<boolean> {
    return (await this.redis.hdel(this.muted, audienceKey(a))) === 1;
  }

  async isMuted(a: Audience): Promise<boolean> {
    return (await this.redis.hexists(this.muted, audienceKey(a))) === 1;
  }

  /** Keys (audienceKey) of the muted audiences. */
  async mutedKeys(): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.muted));
  }
}

/** Known event classes only, in NOTIFY_EVENTS order. */
function ordered(events: readonly string[]): NotifyEvent[] {
  return NOTIFY_EVENTS.filter((e) => events.includes(e));
}
