import type { Logger } from '../log.js';
import { isSafeBranchName, NAME_RE, type ChangeInput } from '../model/change.js';
import { commitToChange } from './commit-change.js';
import { SHA_RE, type LoggedCommit } from './commit-log.js';
import { GitMirror } from './git-mirror.js';
import { PollLoop } from './poll-loop.js';
import { remoteForGit } from './remote-url.js';

/**
 * The caller's record of the last tip the poller emitted for each branch. Besides commit ids a
 * value may be `ABSENT_TIP`: the branch did not exist on the remote when it was first polled.
 */
export interface PollerState {
  load(): Promise<Record<string, string>>;
}

/**
 * Receives the new commits of one branch, oldest first, and that branch's new tip. The caller
 * stores both in one transaction; until it has, the poller's idea of the tip does not move.
 */
export type EmitChanges = (changes: ChangeInput[], newTips: Record<string, string>) => Promise<void>;

export interface GitPollerOptions {
  /** The repository's name in the config; changes carry `source: 'poller:<name>'`. */
  name: string;
  /** Anything `git clone` takes: URL, scp-like address or local path. Changes carry it as given. */
  url: string;
  /** What a relative local path in `url` is relative to. Default: the working directory. */
  baseDir?: string;
  branches: string[];
  project?: string;
  /** The poller's own directory for its bare mirror. One poller per directory. */
  mirrorDir: string;
  state: PollerState;
  emit: EmitChanges;
  logger: Logger;
  /** Most commits emitted per branch per poll; beyond it only the newest are. Default 1000. */
  maxCommitsPerPoll?: number;
  /** A git command that prints nothing for this long is killed. Default 5 minutes. */
  gitSilenceTimeoutMs?: number;
}

/** Tip recorded for a configured branch that the remote did not have. */
export const ABSENT_TIP = '';
export const DEFAULT_MAX_COMMITS_PER_POLL = 1000;

/** What a poll found for one branch. */
interface BranchPlan {
  commits: LoggedCommit[];
  tip: string;
}

/**
 * Watches branches of one repository and turns their new commits into Changes.
 *
 * - A branch polled for the first time (no tip in the state) only has its tip remembered: old
 *   history is never emitted. The same holds when no tip at all is known yet.
 * - A branch that was absent and has appeared emits the commits reachable from it but from no
 *   other known tip (a new feature branch emits its own commits, not all of main).
 * - Otherwise `last..tip`, oldest first, merges' side commits included; after a force push that
 *   is exactly the commits not reachable from the old tip (and a warning).
 * - Each branch's changes and its new tip go to `emit` together; state is reloaded every poll,
 *   so a failed emit or a restart neither loses nor repeats commits.
 */
export class GitPoller {
  readonly name: string;
  readonly branches: readonly string[];
  private readonly remote: string;
  private readonly log: Logger;
  private readonly maxCommits: number;
  private readonly loop: PollLoop;
  private tail: Promise<unknown> = Promise.resolve();
  private abort?: AbortController;
  /** Branches already warned about as missing on the remote, so a deleted branch warns once. */
  private readonly warnedMissing = new Set<string>();

  constructor(private readonly opts: GitPollerOptions) {
    if (!NAME_RE.test(opts.name)) throw new Error(`poller name ${JSON.stringify(opts.name)} is not a valid name`);
    if (opts.branches.length === 0) throw new Error(`poller ${opts.name}: no branches to poll`);
    for (const b of opts.branches) {
      if (!isSafeBranchName(b)) throw new Error(`poller ${opts.name}: branch ${JSON.stringify(b)} is not a valid branch name`);
    }
    if (opts.url.length > 2048) throw new Error(`poller ${opts.name}: repository url is longer than 2048 characters`);
    if ((opts.project ?? '').length > 200) throw new Error(`poller ${opts.name}: project is longer than 200 characters`);
    this.remote = remoteForGit(opts.url, opts.baseDir);
    this.name = opts.name;
    this.branches = [...new Set(opts.branches)];
    this.maxCommits = Math.floor(opts.maxCommitsPerPoll ?? DEFAULT_MAX_COMMITS_PER_POLL);
    if (!(this.maxCommits >= 1)) throw new Error(`poller ${opts.name}: maxCommitsPerPoll must be at least 1`);
    const bound = opts.logger.bindings() as Record<string, unknown>;
    this.log = bound.poller === opts.name ? opts.logger : opts.logger.child({ poller: opts.name });
    this.loop = new PollLoop(
      () => this.poll(),
      (err) => this.log.error({ err, poller: this.name }, 'git poll failed'),
    );
  }

  /** Polls every `intervalMs` (first poll right away); a slow poll delays the next. */
  start(intervalMs: number): void {
    this.loop.start(intervalMs);
  }

  /** Whether the loop is started: a stopped poller has no poll scheduled and starts none. */
  get polling(): boolean {
    return this.loop.started;
  }

  /** Stops the loop, kills git commands in flight, and resolves once the current poll has ended. */
  async stop(): Promise<void> {
    const done = this.loop.stop();
    this.abort?.abort();
    await done;
    await this.tail;
  }

  /** Same as `poll`: for tests and the `bb` command. */
  pollNow(): Promise<number> {
    return this.poll();
  }

  /**
   * One poll of all branches, after any poll in progress. Resolves to the number of changes
   * emitted; rejects if fetching failed or any branch failed (the other branches still ran).
   */
  poll(): Promise<number> {
    const run = this.tail.then(() => this.pollOnce());
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async pollOnce(): Promise<number> {
    const abort = new AbortController();
    this.abort = abort;
    try {
      const last = await this.opts.state.load();
      const mirror = await GitMirror.open(this.opts.mirrorDir, this.remote, {
        signal: abort.signal,
        ...(this.opts.gitSilenceTimeoutMs ? { silenceTimeoutMs: this.opts.gitSilenceTimeoutMs } : {}),
      });
      const remote = await mirror.remoteHeads(this.branches);
      const before = await mirror.localHeads();
      const stale = this.branches.filter((b) => remote.has(b) && before.get(b) !== remote.get(b));
      await mirror.fetch(stale);
      const local = stale.length ? await mirror.localHeads() : before;

      let emitted = 0;
      const failures: unknown[] = [];
      for (const branch of this.branches) {
        try {
          emitted += await this.pollBranch(mirror, branch, last, remote.has(branch) ? local.get(branch) : undefined);
        } catch (err) {
          if (abort.signal.aborted) throw err;
          this.log.error({ err, poller: this.name, branch }, 'git poll of a branch failed');
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `poller ${this.name}: ${failures.length} branches failed`);
      return emitted;
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
  }

  private async pollBranch(mirror: GitMirror, branch: string, last: Record<string, string>, tip: string | undefined): Promise<number> {
    const prev = Object.hasOwn(last, branch) ? last[branch] : undefined;
    if (tip === undefined) {
      if (!this.warnedMissing.has(branch)) {
        this.warnedMissing.add(branch);
        this.log.warn({ poller: this.name, branch }, 'branch not found on the remote; skipped until it appears');
      }
      // Remember that it was absent, so that its appearance counts as new commits.
      if (prev === undefined) await this.opts.emit([], { [branch]: ABSENT_TIP });
      return 0;
    }
    this.warnedMissing.delete(branch);
    if (prev === tip) return 0;

    const plan = await this.plan(mirror, branch, prev, tip, last);
    let commits = plan.commits;
    if (commits.length > this.maxCommits) {
      this.log.warn(
        { poller: this.name, branch, limit: this.maxCommits, tip },
        'more new commits than one poll takes; emitting only the newest',
      );
      commits = commits.slice(-this.maxCommits);
    }
    const origin = { poller: this.name, repository: this.opts.url, project: this.opts.project ?? '', branch };
    const changes = commits.map((c) => commitToChange(c, origin));
    await this.opts.emit(changes, { [branch]: plan.tip });
    if (changes.length) this.log.info({ poller: this.name, branch, changes: changes.length, tip }, 'new commits');
    return changes.length;
  }

  /** Which commits of `branch` are new, given the last emitted tip `prev`. */
  private async plan(mirror: GitMirror, branch: string, prev: string | undefined, tip: string, last: Record<string, string>): Promise<BranchPlan> {
    const fetchMax = this.maxCommits + 1;
    if (prev === undefined) {
      this.log.info({ poller: this.name, branch, tip }, 'first poll of branch: remembering its tip');
      return { commits: [], tip };
    }
    if (prev === ABSENT_TIP) {
      const known: string[] = [];
      for (const [b, sha] of Object.entries(last)) {
        if (b !== branch && SHA_RE.test(sha) && (await mirror.hasCommit(sha))) known.push(sha);
      }
      if (known.length === 0) {
        this.log.info({ poller: this.name, branch, tip }, 'branch appeared and no other tip is known: remembering its tip');
        return { commits: [], tip };
      }
      this.log.info({ poller: this.name, branch, tip }, 'branch appeared on the remote');
      return { commits: await mirror.log([tip], known, fetchMax), tip };
    }
    if (!SHA_RE.test(prev) || !(await mirror.hasCommit(prev))) {
      this.log.warn({ poller: this.name, branch, last: prev, tip }, 'last emitted tip is unknown to the mirror; emitting only the new tip');
      return { commits: await mirror.log([tip], [], 1), tip };
    }
    if (!(await mirror.isAncestor(prev, tip))) {
      this.log.warn({ poller: this.name, branch, last: prev, tip }, 'branch was rewritten (force push); emitting commits not reachable from the old tip');
    }
    return { commits: await mirror.log([tip], [prev], fetchMax), tip };
  }
}
