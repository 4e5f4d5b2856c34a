import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { testedRevision, type Build } from '../model/build.js';
import { GitMirror } from '../changes/git-mirror.js';
import { SHA_RE } from '../changes/commit-log.js';
import { resolveAuthor } from '../users/resolve.js';
import { compileGlob } from '../schedulers/match.js';
import { shortRev } from '../model/revision.js';

export interface Blame {
  /** bb user names, in the order their changes came. */
  guilty: string[];
  /** Files the blamed changes touched. */
  files: string[];
  note: string;
}

/**
 * Who changed things between the last good build and the first bad one: the authors of the
 * Changes of the builds after the last good one up to the first bad one; when those builds carry
 * no Changes (nightly, forced), the authors in the repository's history between the two revisions,
 * read from the git poller's mirror under `mirrorsDir` when there is one.
 */
export async function blame(store: Store, config: MasterConfig, mirrorsDir: string | undefined, lastGood: Build | undefined, badBuilds: Build[]): Promise<Blame> {
  const ids = [...new Set(badBuilds.flatMap((b) => b.sourcestamp.changeIds))].sort((a, b) => a - b);
  if (ids.length) {
    const changes = await store.getChanges(ids);
    const guilty = await usersOf(store, changes.map((c) => c.author));
    return { guilty, files: [...new Set(changes.flatMap((c) => c.files))], note: `changes ${ids.join(', ')}` };
  }
  const bad = badBuilds[badBuilds.length - 1];
  const from = lastGood ? testedRevision(lastGood) : undefined;
  const to = bad ? testedRevision(bad) : undefined;
  if (!bad || !from || !to || !SHA_RE.test(from) || !SHA_RE.test(to)) return { guilty: [], files: [], note: 'no changes, and no revisions to read history between' };
  const repo = config.repositories.find((r) => r.url === bad.sourcestamp.repository);
  const dir = repo && mirrorsDir ? join(mirrorsDir, repo.name) : undefined;
  if (!repo || !dir || !existsSync(dir)) return { guilty: [], files: [], note: `no changes, and no git mirror of ${bad.sourcestamp.repository || 'the repository'} to read history from` };
  try {
    const mirror = await GitMirror.open(dir, repo.url);
    if (!(await mirror.hasCommit(to).catch(() => false)) && bad.sourcestamp.branch) await mirror.fetch([bad.sourcestamp.branch]);
    const commits = await mirror.log([to], [from], 500);
    const guilty = await usersOf(store, commits.map((c) => c.author));
    return { guilty, files: [...new Set(commits.flatMap((c) => c.files))], note: `git log ${shortRev(from)}..${shortRev(to)}` };
  } catch (err) {
    return { guilty: [], files: [], note: `could not read history: ${(err as Error).message}` };
  }
}

async function usersOf(store: Store, authors: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of authors) {
    const user = await store.users.withLock(() => resolveAuthor(store, a));
    if (user && !out.includes(user.name)) out.push(user.name);
  }
  return out;
}

/** Module owners whose path globs match any of the files. */
export function ownersOf(config: MasterConfig, files: string[]): string[] {
  const out: string[] = [];
  for (const o of config.problems.owners) {
    const globs = o.paths.map(compileGlob);
    if (files.some((f) => globs.some((g) => g(f)))) for (const u of o.users) if (!out.includes(u)) out.push(u);
  }
  return out;
}
