import { join, resolve } from 'node:path';
import type { Logger } from './log.js';
import type { Store } from './data/store.js';
import { UnrecoverableError, type MasterQueues } from './queue/master-queues.js';
import { startTimers, type TimerWork } from './master-timers.js';
import { QUEUES, changeJobSchema, executorEventsQueueName } from './queue/jobs.js';
import { ChangeSchedulers } from './schedulers/tree-stable.js';
import { TimedSchedulers } from './schedulers/timed.js';
import { ExecutorRegistry } from './process/executors.js';
import { BuildTracker } from './process/tracker.js';
import { Distributor } from './process/distributor.js';
import { Superseder } from './process/supersede.js';
import { DependentSchedulers } from './schedulers/dependent.js';
import { ProblemDetector } from './problems/detector.js';
import { UsersFromChanges } from './users/from-changes.js';
import { TierService } from './tiers/service.js';
import { openProblemsByBuilder, openProblemsOn } from './problems/index.js';
import { Hassler } from './problems/hassler.js';
import { BackgroundPruning } from './process/pruning.js';
import type { Reach } from './notify/reach.js';
import type { ChatService } from './chat/service.js';
import type { MasterOptions } from './master-options.js';
import { slowStep } from './util/slow-step.js';

const CHANGE_WATCH_MS = 500;

/** What the leader's parts reach of the master that made them. */
export interface LeadHost {
  opts: MasterOptions;
  log: Logger;
  queues: MasterQueues;
  makeReach(): Reach;
  tiersReach(): Reach;
  chat(): ChatService | undefined;
  reload(): Promise<unknown>;
  control(data: unknown): Promise<unknown>;
}

/**
 * The parts only the leading master runs (README "Running several masters"): schedulers, timers,
 * the distributor and executor registry, Problems and the hassler, tiers, retention, and the
 * workers on the master's queues. Made afresh for every leadership term, over a scope of the
 * store's bus, so that a step-down removes every listener they added.
 */
export class LeaderParts {
  readonly store: Store;
  readonly schedulers: ChangeSchedulers;
  readonly timed: TimedSchedulers;
  readonly registry: ExecutorRegistry;
  readonly distributor: Distributor;
  readonly dependents: DependentSchedulers;
  readonly superseder: Superseder;
  readonly users: UsersFromChanges;
  readonly problems: ProblemDetector;
  readonly hassler: Hassler;
  readonly tiers: TierService;
  retention: BackgroundPruning;
  private readonly heard = new Set<string>();
  private changeWatch?: NodeJS.Timeout;
  /** The timers' worker and clock listener (src/master-timers.ts) while this term runs. */
  timerWork?: TimerWork;

  constructor(
    root: Store,
    private readonly host: LeadHost,
  ) {
    const { opts, log, queues } = host;
    const { config } = opts;
    const now = () => queues.timers.clock.now();
    const store = (this.store = root.withBus(root.bus.scope()));
    const tracker = new BuildTracker(store, log);
    this.registry = new ExecutorRegistry(store, queues, config, opts.secrets, tracker, log);
    this.distributor = new Distributor(store, queues, this.registry, config, opts.secrets, log);
    this.schedulers = new ChangeSchedulers(store, queues.timers, config, log);
    this.timed = new TimedSchedulers(store, queues.timers, config, log);
    this.schedulers.addClassifier(this.timed);
    this.dependents = new DependentSchedulers(store, config, log);
    this.superseder = new Superseder(store, queues, config, opts.secrets, log);
    this.users = new UsersFromChanges(store, log.child({ part: 'users' }), () => opts.config.users.people);
    const mirrors = join(resolve(opts.baseDir ?? process.cwd(), config.basedir), 'mirrors');
    this.problems = new ProblemDetector(store, config, log.child({ part: 'problems' }), mirrors, now);
    this.hassler = new Hassler({ store, config, timers: queues.timers, reach: host.makeReach(), log: log.child({ part: 'hassle' }) });
    this.retention = new BackgroundPruning(store, config.retention, log.child({ part: 'retention' }), now, queues);
    this.tiers = new TierService({
      store,
      config,
      log: log.child({ part: 'tiers' }),
      timers: queues.timers,
      outbox: () => host.chat(),
      reach: () => host.tiersReach(),
      problems: { openOn: (builder) => openProblemsOn(store, builder), openAll: () => openProblemsByBuilder(store) },
    });
  }

  /** Everything but chat and the hassler (which wait for chat): catch up on what happened meanwhile, then work the queues. */
  async start(): Promise<void> {
    const { queues } = this.host;
    await this.schedulers.start();
    await this.timed.start();
    await this.dependents.start();
    this.superseder.start();
    this.users.start();
    this.problems.start();
    this.tiers.start();
    await this.registry.start();
    this.distributor.start();
    queues.work<unknown>(QUEUES.changes, 32, async (job) => {
      const parsed = changeJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`malformed change: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const change = await this.store.addChange(parsed.data.change, `job|${job.id}`);
      return { changeId: change?.id ?? null };
    });
    // `bb sendchange` and BbClient append to the intake list (src/queue/intake.ts); the queue above serves older senders.
    await queues.readIntake(async (items) => void (await this.store.addChanges(items.map((i) => ({ fields: i.change, key: `intake|${i.id}` })))));
    this.timerWork = startTimers({ queues, schedulers: this.schedulers, timed: this.timed, hassler: this.hassler, tiers: this.tiers, problems: this.problems, log: this.host.log });
    // One queue per executor (its Redis ACL user may write only its own), and the shared one older executors use.
    queues.work<unknown>(QUEUES.executorEvents, 1, async (job) => {
      await this.registry.handle(job.data);
    });
    queues.readExecutorEvents([], (executor, data) => this.registry.handle(data, executor));
    this.listenToExecutors();
    this.watchChanges();
    queues.work<{ type?: unknown }>(QUEUES.control, 2, async (job) => {
      // Reloading the config is the master's own business; everything else is a user action (src/actions).
      if (job.data?.type === 'reconfig') return await this.host.reload();
      return this.host.control(job.data);
    });
  }

  /**
   * Each configured executor's event stream (src/queue/event-stream.ts), and a worker on its own
   * events queue, which executors before the streams used (executors added by a reload too).
   */
  listenToExecutors(): void {
    for (const { name } of this.host.opts.config.executors) {
      if (this.heard.has(name)) continue;
      this.heard.add(name);
      this.host.queues.listenToExecutor(name);
      this.host.queues.work<unknown>(executorEventsQueueName(name), 1, async (job) => {
        await this.registry.handle(job.data, name);
      });
    }
  }

  /**
   * Changes any master stores (webhooks on a standby) reach this one's bus only when it stored
   * them itself: every CHANGE_WATCH_MS the newest change id is read, and a new one wakes the
   * schedulers and the author resolution.
   */
  private watchChanges(): void {
    let seen = -1;
    this.changeWatch = setInterval(() => {
      void this.store.lastChangeId().then(
        (last) => {
          if (last === seen) return;
          seen = last;
          this.schedulers.kick();
          this.users.kick();
        },
        () => undefined,
      );
    }, CHANGE_WATCH_MS);
    this.changeWatch.unref();
  }

  /** The parts that react to the bus, for master.settled(). */
  settleParts() {
    return [this.users, this.schedulers, this.superseder, this.dependents, this.distributor, this.problems];
  }

  /** Stops every part and worker; their bus listeners go with the scope. Chat is the master's to stop. */
  async stop(): Promise<void> {
    const log = this.host.log;
    this.store.bus.close();
    clearInterval(this.changeWatch);
    this.timerWork?.stop();
    await slowStep(log, 'the retention pass to stop', this.retention.stop());
    await slowStep(log, 'the hassler to stop', this.hassler.stop());
    await slowStep(log, 'the tiers service to stop', this.tiers.stop());
    this.users.stop();
    await slowStep(log, 'the Problem detector to stop', this.problems.stop());
    this.registry.stop();
    this.distributor.stop();
    await slowStep(log, "the master's queue workers to close", this.host.queues.closeWorkers(log));
  }
}
