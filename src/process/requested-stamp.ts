import type { MasterConfig, RepositoryConfig } from '../config/schema.js';
import type { Patch, SourceStamp } from '../model/build.js';
import { ActionError } from '../actions/error.js';

/** The repository of a forced or try build cannot be told: the message says how to pick one. */
export class RepositoryChoiceError extends ActionError {}

/**
 * The repository a build someone asked for (force, try) checks out:
 *
 * 1. the one asked for (`repository`: a configured repository's name or URL);
 * 2. else the only configured repository;
 * 3. else the repository the builders' change schedulers build: a scheduler's
 *    `filter.repository` (a name or URL, or a list of them; a function says nothing) names it,
 *    else its branch (single-branch, periodic, nightly) picks the repositories that poll that
 *    branch. Exactly one must come out; several or none is an error asking to pick one.
 */
export function repositoryFor(config: MasterConfig, builders: string[], asked?: string): RepositoryConfig | undefined {
  const repos = config.repositories;
  const names = repos.map((r) => r.name).join(', ');
  if (asked !== undefined) {
    const found = repos.find((r) => r.name === asked || r.url === asked);
    if (!found) throw new RepositoryChoiceError(`no repository "${asked}" (configured: ${names || 'none'})`);
    return found;
  }
  if (repos.length <= 1) return repos[0];
  const found = new Set<RepositoryConfig>();
  for (const s of config.schedulers) {
    if (s.type === 'force' || s.type === 'try' || !s.builders.some((b) => builders.includes(b))) continue;
    const filter = 'filter' in s ? s.filter?.repository : undefined;
    const values = typeof filter === 'string' ? [filter] : Array.isArray(filter) ? filter : undefined;
    if (values) for (const r of repos) if (values.includes(r.url) || values.includes(r.name)) found.add(r);
    if (values || typeof filter === 'function') continue;
    const branch = 'branch' in s && typeof s.branch === 'string' ? s.branch : undefined;
    if (branch) for (const r of repos) if (r.branches.includes(branch)) found.add(r);
  }
  if (found.size === 1) return [...found][0];
  const which = found.size ? `are built from several repositories (${[...found].map((r) => r.name).join(', ')})` : 'are built by no scheduler that names a repository';
  throw new RepositoryChoiceError(`${builders.join(', ')} ${which}: pick one with --repository (one of ${names})`);
}

/**
 * The source stamp of a build someone asked for (force, try): the repository `repositoryFor`
 * picks, the branch asked for or that repository's first branch, and the revision or patch if
 * given. A revision given by hand pins the stamp (its builds never open or resolve Problems). It
 * carries no Changes.
 */
export function requestedStamp(config: MasterConfig, req: { builders: string[]; repository?: string; branch?: string; revision?: string; patch?: Patch }): SourceStamp {
  const repo = repositoryFor(config, req.builders, req.repository);
  const branch = req.branch ?? repo?.branches[0];
  return {
    repository: repo?.url ?? '',
    project: repo?.project ?? '',
    ...(branch ? { branch } : {}),
    ...(req.revision ? { revision: req.revision, pinned: true } : {}),
    ...(req.patch ? { patch: { body: req.patch.body, level: req.patch.level, ...(req.patch.subdir ? { subdir: req.patch.subdir } : {}) } } : {}),
    changeIds: [],
  };
}
