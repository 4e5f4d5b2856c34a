import type { Build } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { ConfigSummary, ExecutorRecord } from '../model/records.js';
import type { BuilderStatus } from '../status/status.js';
import type { ActionInput, ActionName, ActionOutput } from '../actions/registry.js';
import type { SubscriptionsApi } from '../notify/subscriptions-api.js';
import type { IdentityApi } from './identity.js';
import type { ProblemsApi } from '../problems/actions.js';
import type { TiersApi } from '../tiers/model.js';
import type { UsersApi } from '../users/chat.js';

/**
 * What chat commands may read, and the one way they change anything: `act`, which runs a user
 * action (src/actions) by name with its checked input, as the command line's control queue does.
 * The parts below are read-only views; their writes are reached only through `act`.
 */
export interface BotApi {
  readonly version: string;
  readonly botName: string;
  /** Runs action `name` (src/actions/registry.ts). Refusals, bad input included, are ActionErrors with a message for chat. */
  act<N extends ActionName>(name: N, input: ActionInput<N>): Promise<ActionOutput<N>>;
  config(): Promise<ConfigSummary>;
  status(builder?: string): Promise<BuilderStatus[]>;
  lastBuild(builder: string): Promise<Build | null>;
  build(builder: string, number: number): Promise<Build | null>;
  /** Why a builder has no build with that number: pruned by retention, not yet, or never. */
  missingBuild(builder: string, number: number): Promise<string>;
  executors(): Promise<ExecutorRecord[]>;
  recentChanges(n: number): Promise<Change[]>;
  /** Last `lines` lines of a step's log (default: the last step that ran). */
  logTail(build: Build, step: number | undefined, lines: number): Promise<{ step: number; lines: string[] }>;
  /** Who people on chat are (`whoami`); claims go through `act('claim' | 'verify' | 'forgetMe')`. */
  readonly identity: Pick<IdentityApi, 'whoami'>;
  /** bb users: the speaker's own (`my settings`); changes go through `act('mySettings' | 'userByAdmin')`. */
  readonly users: Omit<UsersApi, 'setMine' | 'admin'>;
  /** Who gets which announcements, mutes and watches; changes go through `act('notify' | 'mute' | 'watch' | 'unwatch')`. */
  readonly subscriptions: Omit<SubscriptionsApi, 'subscribe' | 'unsubscribe' | 'setMuted' | 'watch' | 'unwatch'>;
  /** Run-time tiers, packages and the tree; `demote`, `promote` and `tree close|open` are actions. */
  readonly tiers: Omit<TiersApi, 'demote' | 'promote' | 'closeTree' | 'openTree'>;
  /** Problems: list, details, history, flaky, sheriff; `ack`, `snooze`, `not me`, … are actions. */
  readonly problems: Omit<ProblemsApi, 'ack' | 'snooze' | 'notMe' | 'watch' | 'flakyOff' | 'setSheriff'>;
}

export type { SubscriptionsApi };
