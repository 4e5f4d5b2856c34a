import type { NotifyEvent } from '../config/schema.js';
import type { Build } from '../model/build.js';
import type { Audience } from './audience.js';
import type { Watch } from './watches.js';

/** Announcement subscriptions of chat audiences (a channel, or one person's DMs), kept across restarts. */
export interface SubscriptionsApi {
  /** The event classes `notify` accepts. */
  readonly eventClasses: readonly NotifyEvent[];
  /** What the audience gets now (its stored subscription, else the config's `chat.announce`). */
  events(audience: Audience): Promise<NotifyEvent[]>;
  /** Adds events; returns what the audience gets now. */
  subscribe(audience: Audience, events: NotifyEvent[]): Promise<NotifyEvent[]>;
  /** Removes events (or all); returns what the audience gets now. */
  unsubscribe(audience: Audience, events: NotifyEvent[] | 'all'): Promise<NotifyEvent[]>;
  isMuted(audience: Audience): Promise<boolean>;
  /** Mutes or unmutes; false when it already was so. */
  setMuted(audience: Audience, muted: boolean, by: string): Promise<boolean>;
  watches(audience: Audience): Promise<Watch[]>;
  watch(watch: Watch): Promise<void>;
  /** Drops a watch; false when it is gone already (its build was announced). */
  unwatch(watch: Watch): Promise<boolean>;
  /** How the announcement of a finished build reads, as text and as HTML. */
  announcement(build: Build): Promise<{ text: string; html: string }>;
}
