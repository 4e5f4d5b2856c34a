/**
 * Reading commits out of `git log` output without trusting any text in it: the format and the
 * file list are NUL-separated (`-z`), so messages and paths can hold any character (newlines,
 * tabs, the record marker) except NUL, which git never prints inside either.
 */

/** One commit as the poller needs it. */
export interface LoggedCommit {
  sha: string;
  /** `Full Name <email>` */
  author: string;
  /** `Full Name <email>` */
  committer: string;
  /** Author time, ms since the epoch. */
  authorTime: number;
  /** The full message. */
  message: string;
  /** Paths touched, against the first parent; a rename or copy lists the old path, then the new. */
  files: string[];
}

/** A full git object id (SHA-1 or SHA-256). */
export const SHA_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Starts every record, so a record boundary is never mistaken for a message or a path. */
const RECORD = '\x1e';
const FORMAT = `--format=${RECORD}%H%x00%an <%ae>%x00%cn <%ce>%x00%at%x00%B`;
const STATUS_RE = /^[ACDMRTUXB][0-9]{0,3}$/;

/**
 * Options for `git log` that make its output independent of the user's git config (signatures,
 * colour, mailmap, relative paths) and parseable by `parseCommitLog`. Revisions go after them,
 * behind `--end-of-options`.
 */
export function commitLogArgs(maxCount: number): string[] {
  return [
    'log',
    '-z',
    '--reverse',
    `--max-count=${Math.max(1, Math.floor(maxCount))}`,
    '--no-color',
    '--no-show-signature',
    '--no-use-mailmap',
    '--no-relative',
    '--diff-merges=first-parent',
    '-M',
    '--name-status',
    FORMAT,
  ];
}

/** Parses what `git log <commitLogArgs> …` printed. Throws on anything it does not expect. */
export function parseCommitLog(out: string): LoggedCommit[] {
  const tokens = out.split('\0');
  // Output ends with a NUL, so the last token is empty.
  if (tokens[tokens.length - 1] === '') tokens.pop();
  const commits: LoggedCommit[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`unexpected git log output (${what}) at token ${i}`);
  };
  while (i < tokens.length) {
    const head = tokens[i]!;
    if (!head.startsWith(RECORD)) fail('no record marker');
    const sha = head.slice(RECORD.length);
    if (!SHA_RE.test(sha)) fail('bad commit id');
    if (i + 4 >= tokens.length) fail('short record');
    const author = tokens[i + 1]!;
    const committer = tokens[i + 2]!;
    const seconds = Number(tokens[i + 3]);
    if (!Number.isSafeInteger(seconds)) fail('bad author time');
    const message = tokens[i + 4]!;
    i += 5;
    const files: string[] = [];
    // The file list follows the format after a newline: STATUS, path[, second path for R and C].
    while (i < tokens.length && !tokens[i]!.startsWith(RECORD)) {
      const status = tokens[i]!.replace(/^\n/, '');
      if (!STATUS_RE.test(status)) fail('bad file status');
      const paths = status.startsWith('R') || status.startsWith('C') ? 2 : 1;
      if (i + paths >= tokens.length) fail('missing path');
      for (let k = 1; k <= paths; k++) files.push(tokens[i + k]!);
      i += 1 + paths;
    }
    commits.push({ sha, author, committer, authorTime: seconds * 1000, message: message.replace(/\n+$/, ''), files });
  }
  return commits;
}
