import type { ChangeInput } from '../model/change.js';
import type { LoggedCommit } from './commit-log.js';

/** Limits of `changeInputSchema`; a commit beyond them is cut to fit rather than rejected. */
const MAX_NAME = 500;
const MAX_COMMENTS = 65_536;
const MAX_FILES = 100_000;
const MAX_PATH = 4096;

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  // Do not leave half of a surrogate pair at the end.
  return /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head;
}

export interface CommitOrigin {
  /** The poller's name; the change's source is `poller:<name>`. */
  poller: string;
  /** The repository as configured. */
  repository: string;
  project: string;
  branch: string;
}

/** The Change a polled commit becomes. */
export function commitToChange(commit: LoggedCommit, origin: CommitOrigin): ChangeInput {
  return {
    author: cut(commit.author, MAX_NAME),
    committer: cut(commit.committer, MAX_NAME),
    comments: cut(commit.message, MAX_COMMENTS),
    files: commit.files.slice(0, MAX_FILES).filter((f) => f.length <= MAX_PATH),
    revision: commit.sha,
    branch: origin.branch,
    repository: origin.repository,
    project: origin.project,
    // Imported history can predate 1970; a Change's time cannot.
    when: Math.max(0, commit.authorTime),
    source: `poller:${origin.poller}`,
  };
}
