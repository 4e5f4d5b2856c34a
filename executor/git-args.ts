import { isSafeBranchName, REVISION_RE } from '../src/model/change.js';

/** A branch, revision or repository the executor will not hand to git. */
export class RefusedInput extends Error {}

export interface CheckoutInput {
  repository: string;
  branch?: string | undefined;
  revision?: string | undefined;
}

/** What the checkout step asks of git, all of it validated: nothing here can read as an option. */
export interface CheckoutPlan {
  repository: string;
  /** Full refspecs for `git fetch origin`. */
  refspecs: string[];
  /** What to resolve to a commit with `rev-parse --verify --end-of-options <target>^{commit}`. */
  target: string;
}

/** The ref the remote's HEAD is fetched into when a build names no branch. */
export const REMOTE_HEAD_REF = 'refs/bb/remote-head';

export function checkoutPlan(input: CheckoutInput): CheckoutPlan {
  const repository = checkRepository(input.repository);
  const { branch, revision } = input;
  if (branch !== undefined && !isSafeBranchName(branch)) {
    throw new RefusedInput(`refusing branch name ${JSON.stringify(branch)}: not a valid git branch name`);
  }
  if (revision !== undefined && !REVISION_RE.test(revision)) {
    throw new RefusedInput(`refusing revision ${JSON.stringify(revision)}: expected a hex commit id`);
  }
  const refspecs = branch
    ? [`+refs/heads/${branch}:refs/remotes/origin/${branch}`]
    : ['+refs/heads/*:refs/remotes/origin/*', `+HEAD:${REMOTE_HEAD_REF}`];
  const target = revision ?? (branch ? `refs/remotes/origin/${branch}` : REMOTE_HEAD_REF);
  return { repository, refspecs, target };
}

/** A repository URL or path git may clone: no option look-alikes, no command-running transports. */
export function checkRepository(repo: string): string {
  if (repo.trim() === '') throw new RefusedInput('no repository: set it on the checkout step or the source stamp');
  if (repo.startsWith('-')) throw new RefusedInput(`refusing repository ${JSON.stringify(repo)}: starts with "-"`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(repo)) throw new RefusedInput('refusing repository: contains control characters');
  if (/^(ext|fd)::/i.test(repo)) throw new RefusedInput(`refusing repository ${JSON.stringify(repo)}: transport not allowed`);
  return repo;
}

/** A commit id as rev-parse prints it (SHA-1 or SHA-256). */
export function isFullSha(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}
