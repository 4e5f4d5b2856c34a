import { createLogger, type Logger } from './log.js';
import { redisUrlOf, type MasterConfig } from './config/schema.js';
import type { Store } from './data/store.js';
import { connectStore } from './data/connect.js';
import { MasterQueues } from './queue/master-queues.js';
import { startWebhooks } from './http/from-config.js';
import type { WebhookServer } from './http/server.js';
import { stopBuild } from './process/stop.js';
import { runControl, type ActionContext } from './actions/registry.js';
import type { GitPoller } from './changes/gitpoller.js';
import { startPollers, summarize } from './master-parts.js';
import { startAnnouncer, type Announcer } from './notify/announcer.js';
import type { ChatService } from './chat/service.js';
import type { MasterChatDeps } from './chat/master-chat.js';
import { Reconfigurer, type ReconfigHost, type ReconfigOutcome } from './master-reconfig.js';
import type { ChatTransport } from './chat/transport.js';
import { smtpMailer, type Mail, type Mailer } from './users/mailer.js';
import { StoredProblems } from './problems/actions.js';
import { Reach } from './notify/reach.js';
import { BackgroundPruning } from './process/pruning.js';
import { guardStart } from './data/start-guard.js';
import type { LeaseTiming } from './data/lease.js';
import { masterStatus } from './status/master.js';
import type { Guardrail } from './data/guardrails.js';
import { isNotLeader } from './data/fence.js';
import { Leadership, type Role } from './process/leadership.js';
import { LeaderParts } from './master-lead.js';
import { settle } from './util/settle.js';
import { systemClock, type Clock } from './util/clock.js';
import type { MasterOptions } from './master-options.js';
import { chatHealth } from './chat/health.js';
import { ReconfigWatch } from './process/reconfig-watch.js';
import { slowStep } from './util/slow-step.js';
export type { MasterOptions };

/**
 * The master process: stores changes, runs schedulers and pollers, hands requests to executors,
 * tracks builds. All state is in Redis; a restarted master carries on where the last one stopped.
 * Several masters may share a prefix: one leads (src/process/leadership.ts) and runs the parts in
 * `LeaderParts` (src/master-lead.ts), the pollers and chat; the others stand by and serve the web
 * pages, the API and webhook intake, and take over when the leader goes.
 */
export class Master {
  readonly store: Store;
  readonly queues: MasterQueues;
  readonly log: Logger;
  /** The leader's parts of the current (or next) leadership term. */
  private parts: LeaderParts;
  private leadership?: Leadership;
  private mailerInstance?: Mailer;
  private pollers: GitPoller[] = [];
  /** What the start-up guardrails warned about (README "State in Redis"); `bb status` and `/healthz` show them. */
  guardrails: Guardrail[] = [];
  private chatService?: ChatService;
  private announcer?: Announcer;
  private chatReady?: Promise<ChatService>;
  private httpServer?: WebhookServer;
  private readonly reconfigurer = new Reconfigurer(() => this.reconfigHost());
  /** Answers `bb reconfig` on this master, whatever its role. */
  private reconfigWatch?: ReconfigWatch<ReconfigOutcome>;
  /** The master's clock (MasterOptions.clock): timers' deadlines are read on it. */
  readonly clock: Clock;

  constructor(private readonly opts: MasterOptions) {
    const { config } = opts;
    this.log = opts.logger ?? createLogger('bb-master');
    const url = opts.redisUrl ?? redisUrlOf(config.redis) ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.store = connectStore(url, config.redis.prefix);
    this.clock = opts.clock ?? systemClock;
    this.queues = new MasterQueues(url, config.redis.prefix, this.log, this.clock);
    this.queues.fenced = isNotLeader;
    this.parts = this.makeParts();
  }

  private makeParts(): LeaderParts {
    return new LeaderParts(this.store, {
      opts: this.opts,
      log: this.log,
      queues: this.queues,
      makeReach: () => this.makeReach(),
      tiersReach: () => this.tiersReach,
      chat: () => this.chatService,
      reload: () => this.reload(),
      control: (data) => runControl(this.actionContext(), data),
    });
  }

  // The leader's parts (the current term's; a standby's are made but not started).
  get schedulers() {
    return this.parts.schedulers;
  }
  /** Periodic and nightly schedulers. */
  get timed() {
    return this.parts.timed;
  }
  get registry() {
    return this.parts.registry;
  }
  get distributor() {
    return this.parts.distributor;
  }
  get dependents() {
    return this.parts.dependents;
  }
  get superseder() {
    return this.parts.superseder;
  }
  /** Makes or matches a User for every stored Change's author. */
  get users() {
    return this.parts.users;
  }
  /** Opens, confirms and resolves Problems from finished builds (src/problems/). */
  get problems() {
    return this.parts.problems;
  }
  /** Reminds the people responsible for a Problem until it is fixed (src/problems/hassler.ts). */
  get hassler() {
    return this.parts.hassler;
  }
  /** Run-time tiers, the package gate and the tree; tells the chat's channels (`master.chat`). */
  get tiers() {
    return this.parts.tiers;
  }
  /** Retention: prunes old history in the background (src/data/prune.ts). */
  get retention(): BackgroundPruning {
    return this.parts.retention;
  }

  /** `leader` while this master leads its prefix, `standby` while another does. */
  get role(): Role {
    return this.leadership?.role ?? 'standby';
  }

  /** Resolves once this master leads. */
  leading(): Promise<void> {
    return this.leadership ? this.leadership.leading() : Promise.reject(new Error('master not started'));
  }

  private tiersReachMade?: Reach;
  /** How builder owners hear of demotions and promotions: the same reach as reminders. */
  private get tiersReach(): Reach {
    return (this.tiersReachMade ??= this.makeReach());
  }
  /** How reminders reach people (chat, or mail through `users.smtp`), from the config as it is now. */
  private makeReach(): Reach {
    const { config } = this.opts;
    const mailer = { send: (m: Mail) => this.needMailer().send(m), close: () => undefined };
    return new Reach({
      chat: () => this.chatService,
      ...(config.users.smtp ? { mailer } : {}),
      users: config.users,
      idleAfterMs: config.problems.hassle.idleAfter,
      log: this.log.child({ part: 'hassle' }),
    });
  }

  /** Reads the config file again and applies it (`bb reconfig`, SIGHUP); see src/master-reconfig.ts. */
  reload(): Promise<ReconfigOutcome> {
    return this.reconfigurer.reload(this.opts.configFile);
  }

  /** Applies a checked config to the running master, in place (src/master-reconfig.ts). */
  reconfigure(next: { config: MasterConfig; secrets: Map<string, string> }): Promise<ReconfigOutcome> {
    return this.reconfigurer.apply(next);
  }

  /** What src/master-reconfig.ts reaches of the master. */
  private reconfigHost(): ReconfigHost {
    return {
      config: this.opts.config,
      secrets: this.opts.secrets,
      log: this.log,
      refresh: async (smtpChanged) => {
        if (smtpChanged) {
          this.mailerInstance?.close();
          this.mailerInstance = undefined;
        }
        this.tiersReachMade = undefined;
        // A new `leader` timing: the next renewal or poll uses it.
        this.leadership?.retime(this.leaseTiming());
        // A standby's parts start only when it leads: made again from the new config, they are ready.
        if (this.role !== 'leader') return void (this.parts = this.makeParts());
        await this.store.putConfigSummary(summarize(this.opts.config));
        this.schedulers.refresh();
        await this.timed.refresh();
        await this.dependents.refresh();
        this.superseder.refresh();
        this.distributor.refresh();
        // Secrets may have changed: every executor proves itself again, and new ones are listened to.
        await this.registry.reaccept();
        this.parts.listenToExecutors();
        this.problems.refresh();
        this.users.refresh();
        this.hassler.refresh(this.makeReach());
        await this.tiers.reconfigure(this.opts.config);
      },
      retention: {
        restart: async () => {
          await this.retention.stop();
          this.parts.retention = new BackgroundPruning(this.parts.store, this.opts.config.retention, this.log.child({ part: 'retention' }), () => this.clock.now(), this.queues);
          if (this.role === 'leader') this.parts.retention.start();
        },
      },
      pollers: {
        restart: async () => {
          await Promise.all(this.pollers.map((p) => p.stop()));
          this.pollers = this.role === 'leader' ? startPollers(this.opts.config, this.store, this.log, this.opts.baseDir ?? process.cwd()) : [];
        },
      },
      http: { restart: () => this.restartHttp() },
      chat: {
        service: () => this.chatService,
        start: async () => void (this.role === 'leader' && (await this.ensureChat())),
        stop: () => this.stopChat(),
        reconfigure: async (service) => {
          const { masterBotApi } = await import('./chat/master-chat.js');
          const remade = await service.reconfigure(this.opts.config.chat!, masterBotApi(this.chatDeps(), this.opts.config.chat!));
          await this.announcer?.stop();
          this.announcer = startAnnouncer({ store: this.store, config: this.opts.config, outbox: service, log: this.log.child({ part: 'announcer' }) });
          return remade;
        },
      },
    };
  }

  /** The pooled SMTP transport of `users.smtp`, made on first use; undefined without one. */
  get mailer(): Mailer | undefined {
    if (!this.mailerInstance && this.opts.config.users.smtp) this.mailerInstance = smtpMailer(this.opts.config.users.smtp, process.env, this.opts.config.redis.prefix);
    return this.mailerInstance;
  }

  private needMailer(): Mailer {
    const m = this.mailer;
    if (!m) throw new Error('no SMTP configured (users.smtp)');
    return m;
  }

  get config(): MasterConfig {
    return this.opts.config;
  }

  /** The webhook server, when the config has an `http` section (after start). */
  get http(): WebhookServer | undefined {
    return this.httpServer;
  }

  /** The chat bot and announcement outbox; set once started with `config.chat` or a transport added. */
  get chat(): ChatService | undefined {
    return this.chatService;
  }

  /**
   * Checks Redis, then takes the lead if no other master holds it (leading before this resolves)
   * or stands by, and serves HTTP either way.
   */
  async start(): Promise<void> {
    const { config } = this.opts;
    // A missing SMTP password (users.smtp.auth.pass from the environment) stops the start here, clearly.
    if (config.users.smtp) void this.mailer;
    let lease;
    try {
      ({ lease, guardrails: this.guardrails } = await guardStart(this.store, config.redis.allowEviction, this.log, this.leaseTiming()));
    } catch (err) {
      await this.queues.close().catch(() => undefined);
      await this.store.close();
      throw err;
    }
    this.leadership = new Leadership(lease, { lead: () => this.lead(), stepDown: (why, held) => this.stepDown(why, held) }, this.log);
    this.reconfigWatch = new ReconfigWatch(this.store, () => this.reload(), () => this.role, this.log);
    await this.reconfigWatch.mark();
    await this.leadership.start();
    this.reconfigWatch.start();
    await this.restartHttp();
    this.log.info({ role: this.role, builders: config.builders.length, schedulers: config.schedulers.length, prefix: config.redis.prefix }, 'master started');
  }

  /** The lease timing of the config (`leader`), unless the code that made the master gave its own (tests). */
  private leaseTiming(): LeaseTiming {
    const { leader } = this.opts.config;
    return { ttlMs: leader.lease, renewMs: leader.renew, pollMs: leader.poll, ...this.opts.lease };
  }

  /** Took the lead: start the leader's parts, the pollers, chat and the hassler. */
  private async lead(): Promise<void> {
    const { config } = this.opts;
    await this.store.putConfigSummary(summarize(config));
    await this.parts.start();
    this.pollers = startPollers(config, this.store, this.log, this.opts.baseDir ?? process.cwd());
    if (config.chat) await this.ensureChat();
    // After chat is up, so reminders due while no master ran go to chat where people are, not all to email.
    await this.parts.hassler.start();
    this.parts.retention.start();
  }

  /**
   * Lost the lead (or stopping, the lease still `held`): chat disconnects and every leader part
   * stops; fresh ones wait for the next term.
   */
  private async stepDown(why: string, held: boolean): Promise<void> {
    this.log.info({ why }, 'stopping the leader parts');
    const pollers = this.pollers;
    this.pollers = [];
    if (held) {
      // A clean stop: the announcer says what it has in hand, then chat leaves.
      await Promise.all(pollers.map((p) => p.stop()));
      await this.stopChat();
      await this.parts.stop();
    } else {
      // The lead is lost, maybe with Redis out of reach (its commands hang): the bot leaves chat
      // first, waiting on nothing in Redis, before a standby's bot takes the nick; the rest stop
      // side by side, so that one waiting on Redis keeps no other running. What the announcer
      // still had in hand goes to the outbox in Redis, for the next leader.
      const { announcer, chatService } = this;
      this.announcer = undefined;
      this.chatService = undefined;
      this.chatReady = undefined;
      await slowStep(this.log, 'chat to stop', chatService?.stop());
      await Promise.all([
        slowStep(this.log, 'the announcer to stop', announcer?.stop()),
        slowStep(this.log, 'the git pollers to stop', Promise.all(pollers.map((p) => p.stop()))),
        this.parts.stop(),
      ]);
    }
    this.parts = this.makeParts();
  }

  private async stopChat(): Promise<void> {
    await this.announcer?.stop();
    await this.chatService?.stop();
    this.announcer = undefined;
    this.chatService = undefined;
    this.chatReady = undefined;
  }

  /** Starts the webhooks and web pages of `config.http` (stopping a running server first). */
  private async restartHttp(): Promise<void> {
    await this.httpServer?.stop();
    this.httpServer = await startWebhooks(this.opts.config, this.store, this.log, process.env, {
      tiers: this.tiers,
      tierInfo: () => this.tiers.overrides.tiers(),
      writesBuilds: () => this.role === 'leader',
      chat: () => chatHealth(this.chatService),
      health: async () => ({ role: this.role, ...(await masterStatus(this.store)) }),
    });
  }

  /** Stop one build (chat and the control queue). */
  stopBuild(req: unknown) {
    return stopBuild(this.store, this.queues, this.opts.secrets, req);
  }

  /** What user actions (src/actions) run against: the store, the config of now, and the parts they drive. */
  actionContext(): ActionContext {
    return {
      store: this.store,
      config: this.opts.config,
      stop: (req) => this.stopBuild(req),
      timedStates: () => this.timed.states(),
      resumed: (name) => this.schedulers.resume(name),
      problems: new StoredProblems(this.store, this.opts.config, () => this.clock.now()),
      tiers: this.tiers,
    };
  }

  /** Adds a chat transport made in code (the demo's shell), starting the chat bot if there is none yet. */
  async addChatTransport(transport: ChatTransport, targets: string[] = []): Promise<void> {
    const chat = await this.ensureChat();
    await chat.addTransport(transport, targets);
  }

  /** The chat bot, started on first use (once, however many ask at once), with the announcer sending through it. */
  private ensureChat(): Promise<ChatService> {
    this.chatReady ??= (async () => {
      const chat = await this.makeChat();
      this.chatService = chat;
      await chat.start();
      this.announcer = startAnnouncer({ store: this.store, config: this.opts.config, outbox: chat, log: this.log.child({ part: 'announcer' }) });
      return chat;
    })();
    return this.chatReady;
  }

  /** The chat modules (irc-framework, matrix-bot-sdk) load only when a master has chat. */
  private async makeChat(): Promise<ChatService> {
    const { masterChat } = await import('./chat/master-chat.js');
    return masterChat(this.chatDeps());
  }

  private chatDeps(): MasterChatDeps {
    return {
      store: this.store,
      config: this.opts.config,
      log: this.log,
      baseDir: this.opts.baseDir ?? process.cwd(),
      stopBuild: (req) => this.stopBuild(req),
      tiers: this.tiers,
      now: () => this.clock.now(),
      actions: () => this.actionContext(),
      ...(this.mailer ? { mailer: this.mailer } : {}),
      ...(this.opts.chatTuning ? { tuning: this.opts.chatTuning } : {}),
    };
  }

  /** Poll every repository now (tests and `bb poll`). */
  async pollNow(): Promise<void> {
    for (const p of this.pollers) await p.pollNow();
  }

  /** Resolves when the parts that react to the bus are idle, no timer is due or running, and a last pass published nothing (builds on executors and timers waiting for their deadline are not waited for); tests await it instead of sleeping. */
  settled(): Promise<void> {
    const parts = this.parts.settleParts();
    return settle(this.store.bus, [...parts.map((p) => () => p.settled()), () => this.hassler.idle(), () => this.tiers.idle(), async () => this.announcer?.idle(), async () => this.parts.timerWork?.idle()]);
  }

  async stop(): Promise<void> {
    const step = (what: string, p: Promise<unknown> | undefined) => slowStep(this.log, what, p);
    await step('the reconfig watch to stop', this.reconfigWatch?.stop());
    await step('the HTTP server to stop', this.httpServer?.stop());
    // Stops the leader's parts and chat (if it leads) and releases the lease: a standby takes over on its next poll.
    await step('the lead to be given up', this.leadership?.stop());
    this.mailerInstance?.close();
    await step('the queues to close', this.queues.close());
    await step('the Redis connection to close', this.store.close());
    this.log.info('master stopped');
  }
}
