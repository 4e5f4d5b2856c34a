import { oneLine } from '../util/safe-text.js';
import { z } from 'zod';

/** Names of branches, builders, executors, schedulers and projects bb accepts from outside. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A git branch name bb is willing to hand to git: the rules of `git check-ref-format --branch`
 * that matter, plus no leading '-' so it can never be read as an option.
 */
export function isSafeBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.endsWith('.lock') || name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  if (name === '@' || name === 'HEAD') return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.'));
}

/** A full or abbreviated hex commit id (git) or a plain revision number (other VCS). */
export const REVISION_RE = /^(?:[0-9a-f]{4,64}|[0-9]{1,12})$/;

export const branchSchema = z.string().refine(isSafeBranchName, {
  message: 'not a valid branch name (no leading "-", spaces, "..", or characters git forbids)',
});
export const revisionSchema = z.string().regex(REVISION_RE, 'a revision is a hex commit id or a revision number');

/** What a change source hands to bb. */
export const changeInputSchema = z.object({
  /** `Full Name <email>` or a user name; CR, LF and other control characters become spaces (see oneLine). */
  author: z.string().max(500).transform(oneLine).pipe(z.string().min(1, 'an author is required')),
  committer: z.string().max(500).transform(oneLine).optional(),
  files: z.array(z.string().max(4096)).max(100_000).default([]),
  comments: z.string().max(65_536).default(''),
  revision: revisionSchema.optional(),
  branch: branchSchema.optional(),
  repository: z.string().max(2048).default(''),
  project: z.string().max(200).default(''),
  category: z.string().max(200).optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** When the change was made, ms since the epoch (commit time); defaults to arrival. */
  when: z.number().int().nonnegative().optional(),
  revlink: z.string().max(2048).optional(),
  /** Where it came from: 'sendchange', 'poller:<name>', 'webhook:<kind>'. */
  source: z.string().max(200).default('sendchange'),
});
export type ChangeInput = z.input<typeof changeInputSchema>;
export type ChangeFields = z.output<typeof changeInputSchema>;

/** One commit as bb stores it. */
export interface Change extends ChangeFields {
  id: number;
  when: number;
  /** When bb received it, ms since the epoch. */
  receivedAt: number;
}
