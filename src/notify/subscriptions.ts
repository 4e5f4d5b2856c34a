import type { SubscriptionsRepo } from '../data/subscriptions.js';
import { NOTIFY_EVENTS, type NotifyEvent } from '../config/schema.js';
import { audienceKey, parseAudienceKey, type Audience } from './audience.js';

/** A target from `chat.announce` in the config, with the events it starts with. */
export interface AnnounceSeed {
  target: string;
  events: readonly NotifyEvent[];
}

/**
 * Who wants which announcements, and who asked for quiet (stored by src/data/subscriptions.ts). Channels subscribe by their target (`irc:#dev`), people by
 * `dm:<transport>:<user>`.
 */
export class SubscriptionStore {
  private readonly seeds = new Map<string, NotifyEvent[]>();

  constructor(
    private readonly repo: SubscriptionsRepo,
    seeds: readonly AnnounceSeed[] = [],
  ) {
    for (const s of seeds) {
      const a = parseAudienceKey(s.target);
      if (!a) continue;
      const key = audienceKey(a);
      this.seeds.set(key, ordered([...(this.seeds.get(key) ?? []), ...s.events]));
    }
  }

  /** The events an audience gets: what was stored, else its config seed, else none. */
  async events(a: Audience): Promise<NotifyEvent[]> {
    const key = audienceKey(a);
    const { stored, events } = await this.repo.events(key);
    return stored ? ordered(events) : (this.seeds.get(key) ?? []);
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
    return ordered(await this.repo.update(key, op, seed, events));
  }

  /** Every audience that gets at least one event, with its events. */
  async audiences(): Promise<Array<{ audience: Audience; events: NotifyEvent[] }>> {
    const all = new Map<string, NotifyEvent[]>(this.seeds);
    for (const [k, events] of await this.repo.all()) all.set(k, ordered(events));
    const out: Array<{ audience: Audience; events: NotifyEvent[] }> = [];
    for (const [k, events] of all) {
      const audience = parseAudienceKey(k);
      if (audience && events.length) out.push({ audience, events });
    }
    return out;
  }

  /** Mutes an audience; false when it was muted already. */
  async mute(a: Audience, by: string): Promise<boolean> {
    return this.repo.mute(audienceKey(a), by);
  }

  /** Unmutes an audience; false when it was not muted. */
  async unmute(a: Audience): Promise<boolean> {
    return this.repo.unmute(audienceKey(a));
  }

  async isMuted(a: Audience): Promise<boolean> {
    return this.repo.isMuted(audienceKey(a));
  }

  /** Keys (audienceKey) of the muted audiences. */
  async mutedKeys(): Promise<Set<string>> {
    return this.repo.mutedKeys();
  }
}

/** Known event classes only, in NOTIFY_EVENTS order. */
function ordered(events: readonly string[]): NotifyEvent[] {
  return NOTIFY_EVENTS.filter((e) => events.includes(e));
}
