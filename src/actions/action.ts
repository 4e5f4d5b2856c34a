import { z } from 'zod';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { TimedState } from '../model/timed.js';
import type { IdentityApi } from '../chat/identity.js';
import type { ChatMessage } from '../chat/transport.js';
import type { SubscriptionsApi } from '../notify/subscriptions-api.js';
import type { ProblemsApi } from '../problems/actions.js';
import type { StopRequest } from '../process/stop.js';
import type { TiersApi } from '../tiers/model.js';
import type { UsersApi } from '../users/chat.js';
import { ActionError } from './error.js';

/** What actions run against: the master's store and config, and the parts of the master they drive. */
export interface ActionContext {
  store: Store;
  config: MasterConfig;
  /** Stops one build (src/process/stop.ts with the master's queues and secrets). */
  stop(req: StopRequest): Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>;
  /** Stored clocks of the periodic and nightly schedulers. */
  timedStates(): Promise<Map<string, TimedState>>;
  /** A scheduler was switched back on. */
  resumed(name: string): Promise<void>;
  problems?: ProblemsApi;
  tiers?: TiersApi;
  /** Who people on chat are (claims, codes): the chat bot's. */
  identity?: IdentityApi;
  /** bb users as chat sees them (own settings, admins' requests): the chat bot's. */
  users?: UsersApi;
  /** Announcement subscriptions, mutes and watches: the chat bot's. */
  subscriptions?: SubscriptionsApi;
}

/** One thing a user can do: its input (checked before it runs) and what it does. */
export interface Action<S extends z.ZodType = z.ZodType, R = unknown> {
  summary: string;
  input: S;
  run(ctx: ActionContext, input: z.output<S>): Promise<R>;
}

export function action<S extends z.ZodType, R>(a: Action<S, R>): Action<S, R> {
  return a;
}

/** A part of the master an action needs; a master without it refuses with an ActionError. */
export function need<T>(part: T | undefined, what: string): T {
  if (!part) throw new ActionError(`this master has no ${what}`);
  return part;
}

/** Who did it, for the record: a bb user name, a chat identity (`irc:warner`) or `cli:<unix user>`. */
export const by = z.string().min(1).max(200);

/** The chat target (`irc:#dev`) a command was said in: its reply tells that channel, so announcements skip it. */
export const heardIn = z.string().min(1).max(300).optional();

/** The person who said a chat command: the parts of the message that say who they are. */
export const speaker = z.object({
  transport: z.enum(['irc', 'matrix', 'shell']),
  sender: z.string().min(1).max(300),
  account: z.string().min(1).max(300).nullable(),
  channel: z.string().min(1).max(300).nullable().default(null),
  isDirect: z.boolean().default(false),
});
export type Speaker = z.input<typeof speaker>;

/** The speaker as the identity and users parts take it (a message with no text). */
export function asMessage(s: z.output<typeof speaker>): ChatMessage {
  return { ...s, replyTo: s.channel ?? s.sender, text: '' };
}

/** Where announcements go: a channel, or one person's DMs (src/notify/audience.ts). */
export const audience = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('channel'), transport: z.enum(['irc', 'matrix', 'shell']), channel: z.string().min(1).max(300) }),
  z.object({ kind: z.literal('direct'), transport: z.enum(['irc', 'matrix', 'shell']), user: z.string().min(1).max(300) }),
]);
