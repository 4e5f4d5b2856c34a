import { ProblemDetector } from './problems/detector.js';
import { join, resolve } from 'node:path';
import { createLogger, type Logger } from './log.js';
import type { MasterConfig } from './config/schema.js';
import type { Store } from './data/store.js';
import { connectStore } from './data/connect.js';
import { MasterQueues, UnrecoverableError, type HassleTimer, type TimedTimer, type TreeStableTimer } from './queue/master-queues.js';
import { QUEUES, changeJobSchema, executorEventsQueueName } from './queue/jobs.js';
import { ChangeSchedulers } from './schedulers/tree-stable.js';
import { TimedSchedulers } from './schedulers/timed.js';
import { startWebhooks } from './http/from-config.js';
import type { WebhookServer } from './http/server.js';
import { ExecutorRegistry } from './process/executors.js';
import { BuildTracker } from './process/tracker.js';
import { Distributor } from './process/distributor.js';
import { stopBuild } from './process/stop.js';
import { runControl, type ActionContext } from './actions/registry.js';
import { Superseder } from './process/supersede.js';
import { DependentSchedulers } from './schedulers/dependent.js';
import type { GitPoller } from './changes/gitpoller.js';
import { startPollers, summarize } from './master-parts.js';
import { startAnnouncer, type Announcer } from './notify/announcer.js';
import type { ChatService } from './chat/service.js';
import type { MasterChatDeps } from './chat/master-chat.js';
import { Reconfigurer, type ReconfigHost, type ReconfigOutcome } from './master-reconfig.js';
import type { ChatTransport } from './chat/transport.js';
import { UsersFromChanges } from './users/from-changes.js';
import { smtpMailer, type Mail, type Mailer } from './users/mailer.js';
import { TierService } from './tiers/service.js';
import { openProblemsByBuilder, openProblemsOn } from './problems/index.js';
import { Hassler } from './problems/hassler.js';
import { StoredProblems } from './problems/actions.js';
import { Reach } from './notify/reach.js';
import { BackgroundPruning } from './process/pruning.js';
import { guardStart } from './data/start-guard.js';
import { masterStatus } from './status/master.js';
import type { Guardrail, MasterLease } from './data/guardrails.js';
import { settle } from './util/settle.js';
import type { MasterOptions } from './master-options.js';
import { chatHealth } from './chat/health.js';
export type { MasterOptions };

/**
 * The master process: stores changes, runs schedulers and pollers, hands requests to executors,
 * tracks builds. All state is in Redis; a restarted master carries on where the last one stopped.
 */
export class Master {
  readonly store: Store;
  readonly queues: MasterQueues;
  readonly log: Logger;
  readonly schedulers: ChangeSchedulers;
  /** Periodic and nightly schedulers. */
  readonly timed: TimedSchedulers;
  readonly registry: ExecutorRegistry;
  readonly distributor: Distributor;
  readonly dependents: DependentSchedulers;
  readonly superseder: Superseder;
  /** Makes or matches a User for every stored Change's author. */
  readonly users: UsersFromChanges;
  /** Opens, confirms and resolves Problems from finished builds (src/problems/). */
  readonly problems: ProblemDetector;
  /** Reminds the people responsible for a Problem until it is fixed (src/problems/hassler.ts). */
  readonly hassler: Hassler;
  /** Run-time tiers, the package gate and the tree; tells the chat's channels (`master.chat`). */
  readonly tiers: TierService;
  /** Retention: prunes old history in the background (src/data/prune.ts). */
  retention: BackgroundPruning;
  private mailerInstance?: Mailer;
  private pollers: GitPoller[] = [];
  private lease?: MasterLease;
  /** What the start-up guardrails warned about (README "State in Redis"); `bb status` and `/healthz` show them. */
  guardrails: Guardrail[] = [];
  private chatService?: ChatService;
  private announcer?: Announcer;
  private chatReady?: Promise<ChatService>;
  private httpServer?: WebhookServer;
  private readonly reconfigurer = new Reconfigurer(() => this.reconfigHost());

  constructor(private readonly opts: MasterOptions) {
    const { config } = opts;
    this.log = opts.logger ?? createLogger('bb-master');
    const url = opts.redisUrl ?? config.redis.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.store = connectStore(url, config.redis.prefix);
    this.queues = new MasterQueues(url, config.redis.prefix, this.log);
    const tracker = new BuildTracker(this.store, this.log);
    this.registry = new ExecutorRegistry(this.store, this.queues, config, opts.secrets, tracker, this.log);
    this.distributor = new Distributor(this.store, this.queues, this.registry, config, opts.secrets, this.log);
    this.schedulers = new ChangeSchedulers(this.store, this.queues, config, this.log);
    this.timed = new TimedSchedulers(this.store, this.queues, config, this.log, opts.clock);
    this.schedulers.addClassifier(this.timed);
    this.dependents = new DependentSchedulers(this.store, config, this.log);
    this.superseder = new Superseder(this.store, this.queues, config, opts.secrets, this.log);
    this.users = new UsersFromChanges(this.store, this.log.child({ part: 'users' }), () => this.opts.config.users.people);
    const mirrors = join(resolve(opts.baseDir ?? process.cwd(), config.basedir), 'mirrors');
    this.problems = new ProblemDetector(this.store, config, this.log.child({ part: 'problems' }), mirrors, opts.clock);
    this.hassler = new Hassler({
      store: this.store,
      config,
      queues: this.queues,
      reach: this.makeReach(),
      log: this.log.child({ part: 'hassle' }),
      ...(opts.clock ? { now: opts.clock } : {}),
    });
    this.retention = new BackgroundPruning(this.store, config.retention, this.log.child({ part: 'retention' }), opts.clock);
    this.tiers = new TierService({
      store: this.store,
      config,
      log: this.log.child({ part: 'tiers' }),
      outbox: () => this.chatService,
      reach: () => this.tiersReach,
      problems: { openOn: (builder) => openProblemsOn(this.store, builder), openAll: () => openProblemsByBuilder(this.store) },
    });
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

  private readonly heard = new Set<string>();

  /** A worker on each configured executor's own events queue (executors added by a reload too). */
  private listenToExecutors(): void {
    for (const { name } of this.opts.config.executors) {
      if (this.heard.has(name)) continue;
      this.heard.add(name);
      this.queues.work<unknown>(executorEventsQueueName(name), 1, async (job) => {
        await this.registry.handle(job.data, name);
      });
    }
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
        await this.store.putConfigSummary(summarize(this.opts.config));
        this.schedulers.refresh();
        await this.timed.refresh();
        await this.dependents.refresh();
        this.superseder.refresh();
        this.distributor.refresh();
        // Secrets may have changed: every executor proves itself again, and new ones are listened to.
        await this.registry.reaccept();
        this.listenToExecutors();
        this.problems.refresh();
        this.users.refresh();
        this.hassler.refresh(this.makeReach());
        this.tiersReachMade = undefined;
        await this.tiers.reconfigure(this.opts.config);
      },
      retention: {
        restart: async () => {
          await this.retention.stop();
          this.retention = new BackgroundPruning(this.store, this.opts.config.retention, this.log.child({ part: 'retention' }), this.opts.clock);
          this.retention.start();
        },
      },
      pollers: {
        restart: async () => {
          await Promise.all(this.pollers.map((p) => p.stop()));
          this.pollers = startPollers(this.opts.config, this.store, this.log, this.opts.baseDir ?? process.cwd());
        },
      },
      http: { restart: () => this.restartHttp() },
      chat: {
        service: () => this.chatService,
        start: async () => void (await this.ensureChat()),
        stop: async () => {
          await this.announcer?.stop();
          await this.chatService?.stop();
          this.announcer = undefined;
          this.chatService = undefined;
          this.chatReady = undefined;
        },
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
    if (!this.mailerInstance && this.opts.config.users.smtp) this.mailerInstance = smtpMailer(this.opts.config.users.smtp);
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

  async start(): Promise<void> {
    const { config } = this.opts;
    // A missing SMTP password (users.smtp.auth.pass from the environment) stops the start here, clearly.
    if (config.users.smtp) void this.mailer;
    try {
      ({ lease: this.lease, guardrails: this.guardrails } = await guardStart(this.store, config.redis.allowEviction, this.log));
    } catch (err) {
      await this.queues.close().catch(() => undefined);
      await this.store.close();
      throw err;
    }
    await this.store.putConfigSummary(summarize(config));
    await this.schedulers.start();
    await this.timed.start();
    await this.dependents.start();
    this.superseder.start();
    this.users.start();
    this.problems.start();
    this.tiers.start();
    await this.registry.start();
    this.distributor.start();

    this.queues.work<unknown>(QUEUES.changes, 32, async (job) => {
      const parsed = changeJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`malformed change: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const change = await this.store.addChange(parsed.data.change, `job|${job.id}`);
      return { changeId: change?.id ?? null };
    });
    // `bb sendchange`, BbClient: the intake list (src/queue/intake.ts); the queue above serves older senders.
    await this.queues.readIntake(async (items) => void (await this.store.addChanges(items.map((i) => ({ fields: i.change, key: `intake|${i.id}` })))));
    this.queues.work<TreeStableTimer | TimedTimer | HassleTimer>(QUEUES.timers, 4, async (job) => {
      if (job.name === 'hassle') {
        const { problem } = job.data as HassleTimer;
        await this.hassler.wake(problem, String(job.id));
        return { problem };
      }
      if (job.name === 'timed') return { buildsetId: await this.timed.fire(job.data as TimedTimer, String(job.id)) };
      const buildsetId = await this.schedulers.fire(job.data as TreeStableTimer, String(job.id));
      return { buildsetId };
    });
    // One queue per executor (its Redis ACL user may write only its own), and the shared one older executors use.
    this.queues.work<unknown>(QUEUES.executorEvents, 1, async (job) => {
      await this.registry.handle(job.data);
    });
    this.listenToExecutors();
    this.queues.work<{ type?: unknown }>(QUEUES.control, 2, async (job) => {
      // Reloading the config is the master's own business; everything else is a user action (src/actions).
      if (job.data?.type === 'reconfig') return await this.reload();
      return runControl(this.actionContext(), job.data);
    });
    this.pollers = startPollers(config, this.store, this.log, this.opts.baseDir ?? process.cwd());

    if (config.chat) await this.ensureChat();
    // After chat is up, so reminders due while no master ran go to chat where people are, not all to email.
    await this.hassler.start();
    await this.restartHttp();
    this.retention.start();
    this.log.info({ builders: config.builders.length, schedulers: config.schedulers.length, prefix: config.redis.prefix }, 'master started');
  }

  /** Starts the webhooks and web pages of `config.http` (stopping a running server first). */
  private async restartHttp(): Promise<void> {
    await this.httpServer?.stop();
    this.httpServer = await startWebhooks(this.opts.config, this.store, this.log, process.env, {
      tiers: this.tiers,
      tierInfo: () => this.tiers.overrides.tiers(),
      chat: () => chatHealth(this.chatService),
      health: async () => ({ ...(await masterStatus(this.store)) }),
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
      problems: new StoredProblems(this.store, this.opts.config, this.opts.clock),
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
      ...(this.opts.clock ? { now: this.opts.clock } : {}),
      ...(this.mailer ? { mailer: this.mailer } : {}),
      ...(this.opts.chatTuning ? { tuning: this.opts.chatTuning } : {}),
    };
  }

  /** Poll every repository now (tests and `bb poll`). */
  async pollNow(): Promise<void> {
    for (const p of this.pollers) await p.pollNow();
  }

  /** Resolves when every part that reacts to the data bus is idle and a last pass published nothing (builds on executors not waited for); tests await it instead of sleeping. */
  settled(): Promise<void> {
    const parts = [this.users, this.schedulers, this.superseder, this.dependents, this.distributor, this.problems];
    return settle(this.store.bus, [...parts.map((p) => () => p.settled()), () => this.hassler.idle(), () => this.tiers.idle(), async () => this.announcer?.idle()]);
  }

  async stop(): Promise<void> {
    await this.retention.stop();
    await this.httpServer?.stop();
    await this.announcer?.stop();
    await this.hassler.stop();
    await this.tiers.stop();
    await this.chatService?.stop();
    this.users.stop();
    await this.problems.stop();
    this.mailerInstance?.close();
    await Promise.all(this.pollers.map((p) => p.stop()));
    this.registry.stop();
    this.distributor.stop();
    await this.queues.close();
    await this.lease?.release();
    await this.store.close();
    this.log.info('master stopped');
  }
}
