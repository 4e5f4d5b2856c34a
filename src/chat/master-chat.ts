import { resolve } from 'node:path';
import { chatSchema, type ChatConfig, type MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Logger } from '../log.js';
import type { Build } from '../model/build.js';
import type { StopRequest } from '../process/stop.js';
import { VERSION } from '../version.js';
import type { ChatTuning } from './from-config.js';
import { MasterBotApi } from './master-api.js';
import { ChatService } from './service.js';
import type { Mailer } from '../users/mailer.js';
import type { TiersApi } from '../tiers/model.js';
import type { ActionContext } from '../actions/registry.js';

export interface MasterChatDeps {
  store: Store;
  config: MasterConfig;
  log: Logger;
  /** The config file's directory. */
  baseDir: string;
  stopBuild: (req: StopRequest) => Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>;
  tuning?: ChatTuning;
  /** Mails the codes that verify chat claims (from `users.smtp`). */
  mailer?: Mailer;
  /** The master's TierService (chat's `demote`, `promote`, `tiers`, `tree`, `packages`). */
  tiers?: TiersApi;
  /** The master's clock (codes, acks and snoozes are stamped with it). */
  now?: () => number;
  /** What the master's own actions run against (its schedulers' clocks and switches): chat's actions use it too. */
  actions?: () => ActionContext;
}

/** The master's chat bot on `config.chat`, or on the defaults (no networks) when only code adds transports. */
export function masterChat(d: MasterChatDeps, chat: ChatConfig = d.config.chat ?? chatSchema.parse({})): ChatService {
  const api = masterBotApi(d, chat);
  return new ChatService({
    config: chat,
    api,
    log: d.log.child({ component: 'chat' }),
    baseDir: d.baseDir,
    stateDir: resolve(d.baseDir, d.config.basedir),
    version: VERSION,
    store: d.store,
    ...(d.tuning ? { tuning: d.tuning } : {}),
  });
}

/** What chat commands read and do, on the master's store and config (made again on reconfig). */
export function masterBotApi(d: MasterChatDeps, chat: ChatConfig): MasterBotApi {
  return new MasterBotApi(d.store, d.config, chat.botName, VERSION, d.stopBuild, { ...(d.mailer ? { mailer: d.mailer } : {}), ...(d.now ? { now: d.now } : {}) }, d.tiers, d.actions);
}
