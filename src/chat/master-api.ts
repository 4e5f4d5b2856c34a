import { logsPrunedNote, missingBuild } from '../data/retention.js';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import { runAction, type ActionContext, type ActionInput, type ActionName, type ActionOutput } from '../actions/registry.js';
import type { StopRequest } from '../process/stop.js';
import { builderStatuses } from '../status/status.js';
import type { BotApi, SubscriptionsApi } from './api.js';
import type { IdentityApi } from './identity.js';
import { StoreIdentity, type IdentityOptions } from './identity-store.js';
import { StoredSubscriptions } from '../notify/stored-subscriptions.js';
import { StoredProblems, type ProblemsApi } from '../problems/actions.js';
import { TierService } from '../tiers/service.js';
import type { TiersApi } from '../tiers/model.js';
import { StoredUsers, type UsersApi } from '../users/chat.js';

/** The BotApi of a running master: reads the store, acts through the master's own functions. */
export class MasterBotApi implements BotApi {
  readonly identity: IdentityApi;
  readonly users: UsersApi;
  readonly subscriptions: SubscriptionsApi;
  readonly problems: ProblemsApi;
  readonly tiers: TiersApi;

  constructor(
    private readonly store: Store,
    private readonly masterConfig: MasterConfig,
    readonly botName: string,
    readonly version: string,
    /** How this master stops a build (src/process/stop.ts with its queues and secrets). */
    private readonly stopper?: (req: StopRequest) => Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>,
    /** How claims are verified: the mailer, code lifetime, limits (defaults from the config's `users`). */
    identity: IdentityOptions = {},
    /** The master's running TierService; default one that records but announces nothing. */
    tiers?: TiersApi,
    /** The master's action context (its schedulers' clocks and switches); without one, a scheduler switch sees no timed state. */
    private readonly masterActions?: () => ActionContext,
  ) {
    this.tiers = tiers ?? new TierService({ store, config: masterConfig });
    this.identity = new StoreIdentity(store, { users: masterConfig.users, botName, ...identity });
    const { timeZone, quietHours } = masterConfig.problems.hassle;
    this.users = new StoredUsers(store, masterConfig.users, this.identity, botName, { timeZone, quietHours });
    this.subscriptions = new StoredSubscriptions(store, masterConfig);
    this.problems = new StoredProblems(store, masterConfig, identity.now);
  }

  /** The `stop` action's way to stop a build: this master's stopper. */
  private async stopBuild(req: StopRequest) {
    if (!this.stopper) throw new Error('this bot cannot stop builds');
    return this.stopper(req);
  }

  async config() {
    const c = await this.store.configSummary();
    if (!c) throw new Error('the master has not published its config yet');
    return c;
  }

  status(builder?: string) {
    return builderStatuses(this.store, builder ? { builder, last: 1 } : { last: 1 });
  }

  async lastBuild(builder: string): Promise<Build | null> {
    return (await this.store.lastBuilds(builder, 1))[0] ?? null;
  }

  build(builder: string, number: number) {
    return this.store.buildByNumber(builder, number);
  }

  missingBuild(builder: string, number: number) {
    return missingBuild(this.store, builder, number);
  }

  async executors() {
    return this.store.getExecutors(this.masterConfig.executors.map((e) => e.name));
  }

  recentChanges(n: number) {
    return this.store.recentChanges(n);
  }

  act<N extends ActionName>(name: N, input: ActionInput<N>): Promise<ActionOutput<N>> {
    return runAction(this.actionContext(), name, input);
  }

  /** What the actions (src/actions) chat commands run see: this bot's store, config and parts. */
  private actionContext(): ActionContext {
    const master = this.masterActions?.();
    return {
      store: this.store,
      config: this.masterConfig,
      stop: (r: StopRequest) => this.stopBuild(r),
      timedStates: master?.timedStates ?? (async () => new Map()),
      resumed: master?.resumed ?? (async () => undefined),
      problems: this.problems,
      tiers: this.tiers,
      identity: this.identity,
      users: this.users,
      subscriptions: this.subscriptions,
    };
  }

  async logTail(build: Build, step: number | undefined, lines: number) {
    let idx = step;
    if (idx === undefined) {
      idx = build.currentStep ?? -1;
      if (idx < 0) for (let i = build.steps.length - 1; i >= 0; i--) if (build.steps[i]!.state !== 'pending') { idx = i; break; }
      if (idx < 0) idx = 0;
    }
    const pruned = logsPrunedNote(build);
    if (pruned) return { step: idx, lines: [pruned] };
    const { chunks } = await this.store.readLog(build.id, idx);
    const all = chunks.map((c) => c.text).join('').split('\n');
    if (all[all.length - 1] === '') all.pop();
    return { step: idx, lines: all.slice(-lines) };
  }
}
