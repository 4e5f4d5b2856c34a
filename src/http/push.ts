import { z } from 'zod';
import type { ChangeInput } from '../model/change.js';
import { HookError } from './hook.js';

/** The part of a commit that GitHub and GitLab push events share. */
export const pushCommitSchema = z.object({
  id: z.string(),
  message: z.string(),
  timestamp: z.string(),
  url: z.string().optional(),
  author: z.object({ name: z.string(), email: z.string().nullish() }),
  committer: z.object({ name: z.string(), email: z.string().nullish() }).optional(),
  added: z.array(z.string()).nullish(),
  modified: z.array(z.string()).nullish(),
  removed: z.array(z.string()).nullish(),
  /** GitHub: false when the commit was already in the repository (pushed to another branch before). */
  distinct: z.boolean().optional(),
});
export type PushCommit = z.output<typeof pushCommitSchema>;

/** `refs/heads/<branch>` → the branch; tags and other refs → null. */
export function branchOfRef(ref: string): string | null {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
}

/** `refs/tags/…`: a tag push. */
export function isTagRef(ref: string): boolean {
  return ref.startsWith('refs/tags/');
}

function who(p: { name: string; email?: string | null | undefined }): string {
  return p.email ? `${p.name} <${p.email}>` : p.name;
}

/**
 * The commits oldest first, the pushed tip last. Both services list oldest first; should a list
 * arrive the other way round (the tip first), it is reversed, so the newest change names the revision.
 */
export function tipLast<T extends { id: string }>(commits: T[], tip: string | undefined): T[] {
  if (commits.length > 1 && tip && commits[0]!.id === tip && commits[commits.length - 1]!.id !== tip) return [...commits].reverse();
  return commits;
}

export interface PushContext {
  branch: string;
  repository: string;
  project: string;
  /** `webhook:github`, `webhook:gitlab`. */
  source: string;
  /** Where in the payload the commits are, for error messages. */
  at: string;
}

/** One Change per commit: author, files (added, modified, removed), message, revision, time, link. */
export function commitChanges(commits: PushCommit[], ctx: PushContext): ChangeInput[] {
  return commits.map((c, i) => {
    const when = Date.parse(c.timestamp);
    if (!Number.isFinite(when)) throw new HookError(400, `malformed payload: ${ctx.at}.${i}.timestamp: not a date`);
    return {
      author: who(c.author),
      ...(c.committer ? { committer: who(c.committer) } : {}),
      files: [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])],
      comments: c.message,
      revision: c.id,
      branch: ctx.branch,
      repository: ctx.repository,
      project: ctx.project,
      when: Math.max(0, when),
      ...(c.url ? { revlink: c.url } : {}),
      ...(c.distinct === false ? { properties: { github_distinct: false } } : {}),
      source: ctx.source,
    };
  });
}
