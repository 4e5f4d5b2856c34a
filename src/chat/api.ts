import type { Build } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { ConfigSummary, ExecutorRecord } from '../model/records.js';
import type { BuilderStatus } from '../status/status.js';
import type { NotifyEvent } from '../config/schema.js';
import type { Audience } from '../notify/audience.js';
import type { Watch } from '../notify/watches.js';
import type { IdentityApi } from './identity.js';
import type { ProblemsApi } from '../problems/actions.js';
import type { TiersApi } from '../tiers/model.js';
import type { UsersApi } from '../users/chat.js';

/** What chat commands may read and do. The router hands it to every command; nothing else is reachable. */
export interface BotApi {
  readonly version: string;
  readonly botName: string;
  config(): Promise<ConfigSummary>;
  status(builder?: string): Promise<BuilderStatus[]>;
  lastBuild(builder: string): Promise<Build | null>;
  build(builder: string, number: number): Promise<Build | null>;
  /** Why a builder has no build with that number: pruned by retention, not yet, or never. */
  missingBuild(builder: string, number: number): Promise<string>;
  executors(): Promise<ExecutorRecord[]>;
  recentChanges(n: number): Promise<Change[]>;
  /** Force a build; `owner` is who asked. Returns the BuildSet id. */
  force(req: { builders: string[]; repository?: string; branch?: string; revision?: string; reason?: string; owner: string }): Promise<number>;
  /** Last `lines` lines of a step's log (default: the last step that ran). */
  logTail(build: Build, step: number | undefined, lines: number): Promise<{ step: number; lines: string[] }>;
  /** Stop one build (its running build when `number` is left out). Throws with a message for chat. */
  stopBuild(req: { builder: string; number?: number; reason?: string; owner: string }): Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>;
  /** Who people on chat are and who they claim to be (`whoami`, `i am user`). */
  readonly identity: IdentityApi;
  /** bb users: the speaker's own settings (`my`), and `user show|link|set` for admins (src/users/chat.ts). */
  readonly users: UsersApi;
  /** Who gets which announcements, mutes and watches (`notify`, `mute`, `watch`). */
  readonly subscriptions: SubscriptionsApi;
  /** Run-time tiers, packages and the tree (`demote`, `promote`, `tiers`, `packages`, `tree`). */
  readonly tiers: TiersApi;
  /** Problems: list, details, ack, not me, snooze, watch, flaky, sheriff (src/problems/actions.ts). */
  readonly problems: ProblemsApi;
}

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
