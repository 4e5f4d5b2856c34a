import { mkdir, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { SimpleGit } from 'simple-git';
import type * as SimpleGitModule from 'simple-git';
import { isSafeBranchName } from '../model/change.js';
import { commitLogArgs, parseCommitLog, SHA_RE, type LoggedCommit } from './commit-log.js';

export interface GitMirrorOptions {
  /** Kills any git command of this mirror when aborted. */
  signal?: AbortSignal;
  /** Kill a git command that prints nothing for this long. Default 5 minutes. */
  silenceTimeoutMs?: number;
}

const REMOTE = 'origin';

function headRef(branch: string): string {
  // Callers validate; this is the last line of defence before a name reaches git.
  if (!isSafeBranchName(branch)) throw new Error(`unsafe branch name ${JSON.stringify(branch)}`);
  return `refs/heads/${branch}`;
}

function checkSha(sha: string): string {
  if (!SHA_RE.test(sha)) throw new Error(`not a commit id: ${JSON.stringify(sha)}`);
  return sha;
}

/**
 * A bare mirror of one remote repository, kept in a directory of its own. Only the branches
 * asked for are fetched, each with a full refspec into `refs/heads/<branch>`; every branch name
 * and commit id is validated before it reaches git, and every revision argument sits behind
 * `--end-of-options`.
 */
export class GitMirror {
  private constructor(
    readonly dir: string,
    private readonly git: SimpleGit,
  ) {}

  /** Creates the mirror if needed and points its remote at `remote` (see `remoteForGit`). */
  static async open(dir: string, remote: string, opts: GitMirrorOptions = {}): Promise<GitMirror> {
    const abs = resolve(dir);
    await mkdir(abs, { recursive: true });
    // simple-git loads with the first mirror (a poller or a blame), not with every master; its
    // CommonJS build, through `require`, skips the lexing an ESM import does first.
    const { simpleGit } = createRequire(import.meta.url)('simple-git') as typeof SimpleGitModule;
    const git = simpleGit({
      baseDir: abs,
      // The mirror is a bare repository found from its own directory; allow that even where the
      // user's git config says safe.bareRepository=explicit.
      config: ['safe.bareRepository=all'],
      timeout: { block: opts.silenceTimeoutMs ?? 5 * 60_000 },
      ...(opts.signal ? { abort: opts.signal } : {}),
    });
    const mirror = new GitMirror(abs, git);
    await mirror.init(remote);
    return mirror;
  }

  private async init(remote: string): Promise<void> {
    if (remote.startsWith('-')) throw new Error('remote starts with "-"');
    // An empty directory inside some other repository's work tree would report that repository,
    // so the mirror counts as present only when git names this very directory.
    const gitDir = (await this.git.raw(['rev-parse', '--absolute-git-dir']).catch(() => '')).trim();
    const here = await realpath(this.dir);
    if (gitDir !== here) await this.git.raw(['init', '--bare', '--quiet']);
    const current = (await this.git.raw(['config', '--get', `remote.${REMOTE}.url`])).trim();
    if (current === '') await this.git.raw(['remote', 'add', '--', REMOTE, remote]);
    else if (current !== remote) await this.git.raw(['remote', 'set-url', '--', REMOTE, remote]);
  }

  /** Tips of the given branches on the remote; a branch the remote lacks is absent from the map. */
  async remoteHeads(branches: readonly string[]): Promise<Map<string, string>> {
    const refs = branches.map(headRef);
    const out = await this.git.raw(['ls-remote', '--end-of-options', REMOTE, ...refs]);
    const wanted = new Map(branches.map((b) => [headRef(b), b]));
    const heads = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [sha, ref] = line.split('\t');
      const branch = ref === undefined ? undefined : wanted.get(ref);
      if (branch !== undefined && sha && SHA_RE.test(sha)) heads.set(branch, sha);
    }
    return heads;
  }

  /** Fetches the branches (which must exist on the remote) into the mirror's own branches, forced. */
  async fetch(branches: readonly string[]): Promise<void> {
    if (branches.length === 0) return;
    const refspecs = branches.map((b) => `+${headRef(b)}:${headRef(b)}`);
    // --progress keeps stderr busy on a long first fetch, so the silence timeout does not kill it.
    await this.git.raw(['fetch', '--progress', '--no-tags', '--no-write-fetch-head', '--end-of-options', REMOTE, ...refspecs]);
  }

  /** The mirror's branch tips. */
  async localHeads(): Promise<Map<string, string>> {
    const out = await this.git.raw(['for-each-ref', '--format=%(objectname)%00%(refname)', 'refs/heads/']);
    const heads = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [sha, ref] = line.split('\0');
      if (sha && ref?.startsWith('refs/heads/') && SHA_RE.test(sha)) heads.set(ref.slice('refs/heads/'.length), sha);
    }
    return heads;
  }

  /** Whether the mirror holds this commit. */
  async hasCommit(sha: string): Promise<boolean> {
    const out = await this.git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${checkSha(sha)}^{commit}`]);
    return out.trim() === sha;
  }

  /** Whether `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const out = await this.git.raw(['rev-list', '--max-count=1', '--end-of-options', checkSha(ancestor), `^${checkSha(descendant)}`]);
    return out.trim() === '';
  }

  /**
   * Commits reachable from `include` but from none of `exclude`, oldest first; at most `max`,
   * and when there are more, the newest `max` of them.
   */
  async log(include: readonly string[], exclude: readonly string[], max: number): Promise<LoggedCommit[]> {
    const revs = [...include.map(checkSha), ...exclude.map((s) => `^${checkSha(s)}`)];
    const out = await this.git.raw([...commitLogArgs(max), '--end-of-options', ...revs, '--']);
    return parseCommitLog(out);
  }
}
