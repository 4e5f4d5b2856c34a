import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../src/log.js';
import type { Result } from '../src/model/results.js';
import { runBuild, StopRequested } from './build.js';
import type { EventSender } from './events.js';
import { KeyedLock } from './keyed-lock.js';
import type { LauncherPool } from './launcher.js';
import { whenEmpty } from './timing.js';
import { checkBuildJob } from './verify-job.js';

export interface JobProcessorOptions {
  executor: string;
  secret: string;
  session: string;
  basedir: string;
  killGraceMs: number;
  launchers?: LauncherPool | undefined;
  sender: EventSender;
  log: Logger;
}

/**
 * What the executor's BullMQ worker does with each job: verify it (refusing with a `job-refused`
 * event and an UnrecoverableError), then run the build to its end, one build per work tree at a
 * time. Remembers every build id it accepted, so a re-delivered job is refused, not run twice, and
 * every build the master stopped before its job came, so such a job is dropped unrun.
 */
/** How long a stop for a build not (yet) here is remembered: a dispatched job's lifetime. */
const WITHDRAWN_MS = 10 * 60_000;
/** At most this many remembered at once (the oldest go first). */
const WITHDRAWN_MAX = 10_000;

export class JobProcessor {
  private readonly seen = new Set<number>();
  /** Builds the master stopped before their job reached this process: buildId → token and until when. */
  private readonly withdrawn = new Map<number, { token: string; until: number }>();
  private readonly running = new Map<number, AbortController>();
  private readonly tokens = new Map<number, string>();
  private readonly workdirs = new KeyedLock();
  private handingBack = false;

  constructor(private readonly o: JobProcessorOptions) {}

  /** The BullMQ worker's processor (jobs from a master of an earlier version). */
  readonly process = (job: Job): Promise<{ result: Result }> => this.run(job.data, String(job.id ?? ''));

  /**
   * Verify and run one job (`data`: the signed job as received; `jobId`: its name in the
   * `job-refused` event). Throws an UnrecoverableError when it is refused.
   */
  readonly run = async (data: unknown, jobId: string): Promise<{ result: Result }> => {
    const { o } = this;
    const job = { id: jobId };
    const check = checkBuildJob(data, { secret: o.secret, executor: o.executor, session: o.session, now: Date.now(), alreadyRun: (id) => this.seen.has(id) });
    if (!check.ok) {
      o.log.warn({ jobId: job.id, reason: check.reason }, 'job refused');
      o.sender.push({ type: 'job-refused', jobId, reason: check.reason });
      await o.sender.flush();
      throw new UnrecoverableError(`refused: ${check.reason}`);
    }
    const p = check.payload;
    this.seen.add(p.buildId);
    const gone = this.withdrawn.get(p.buildId);
    if (gone && gone.token === p.token) {
      // The master ended this build before its job came (a leader that lost the lead put the job on
      // the queue late): it is not run, and nothing is said about it.
      this.withdrawn.delete(p.buildId);
      o.log.info({ jobId: job.id, buildId: p.buildId }, 'job for a build the master already ended: not run');
      return { result: 'CANCELLED' };
    }
    const ac = new AbortController();
    if (this.handingBack) ac.abort();
    this.running.set(p.buildId, ac);
    this.tokens.set(p.buildId, p.token);
    const log = o.log.child({ buildId: p.buildId, builder: p.builder, number: p.number });
    let result: Result;
    try {
      log.info('build accepted');
      result = await this.workdirs.run(p.workdir, () =>
        runBuild(p, { basedir: o.basedir, emit: (ev) => o.sender.push(ev), signal: ac.signal, killGraceMs: o.killGraceMs, launchers: o.launchers, log }),
      );
    } finally {
      this.running.delete(p.buildId);
      this.tokens.delete(p.buildId);
    }
    log.info({ result }, 'build finished');
    // Complete the queue job only once the result is on its way (this waits while Redis is down).
    await o.sender.flush();
    return { result };
  };

  /** Build ids accepted and not yet finished. */
  runningIds(): number[] {
    return [...this.running.keys()];
  }

  get handedBack(): boolean {
    return this.handingBack;
  }

  /**
   * Stop one running build at the master's request: its processes are killed and it ends as
   * CANCELLED with `text`. False when no build with that id and token runs here.
   */
  stop(buildId: number, token: string, text: string): boolean {
    const ac = this.running.get(buildId);
    if (!ac) {
      // Not here (yet): should its job still come, it is not run.
      if (!this.seen.has(buildId)) this.remember(buildId, token);
      return false;
    }
    if (this.tokens.get(buildId) !== token || ac.signal.aborted) return false;
    ac.abort(new StopRequested(text));
    return true;
  }

  private remember(buildId: number, token: string): void {
    const now = Date.now();
    for (const [id, w] of this.withdrawn) {
      if (w.until > now && this.withdrawn.size < WITHDRAWN_MAX) break;
      this.withdrawn.delete(id);
    }
    this.withdrawn.set(buildId, { token, until: now + WITHDRAWN_MS });
  }

  /** Kill every running build (they end as RETRY), and any accepted later. */
  handBack(): void {
    this.handingBack = true;
    for (const ac of this.running.values()) ac.abort();
  }

  whenIdle(): Promise<void> {
    return whenEmpty(this.running);
  }
}
