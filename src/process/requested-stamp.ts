import type { MasterConfig } from '../config/schema.js';
import type { Patch, SourceStamp } from '../model/build.js';

/**
 * The source stamp of a build someone asked for (force, try): the first configured repository,
 * the branch asked for or that repository's first branch, and the revision or patch if given.
 * It carries no Changes.
 */
export function requestedStamp(config: MasterConfig, req: { branch?: string; revision?: string; patch?: Patch }): SourceStamp {
  const repo = config.repositories[0];
  const branch = req.branch ?? repo?.branches[0];
  return {
    repository: repo?.url ?? '',
    project: repo?.project ?? '',
    ...(branch ? { branch } : {}),
    ...(req.revision ? { revision: req.revision } : {}),
    ...(req.patch ? { patch: { body: req.patch.body, level: req.patch.level, ...(req.patch.subdir ? { subdir: req.patch.subdir } : {}) } } : {}),
    changeIds: [],
  };
}
