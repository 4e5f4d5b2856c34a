import { RepositoryChoiceError, requestedStamp } from './requested-stamp.js';
import { z } from 'zod';
import type { MasterConfig, SchedulerConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { branchSchema, revisionSchema } from '../model/change.js';
import { priorityFor } from '../schedulers/priority.js';
import { ActionError } from '../actions/error.js';

/** The largest patch a try build takes, in bytes (UTF-8). */
export const MAX_TRY_PATCH_BYTES = 1024 * 1024;

type TryConfig = Extract<SchedulerConfig, { type: 'try' }>;

/** A request for a try build: a patch to apply on a revision (or the tip of a branch). From `bb try`. */
export const tryRequestSchema = z.object({
  v: z.literal(1),
  type: z.literal('try'),
  builders: z.array(z.string()).min(1).max(100),
  /** A configured repository's name or URL. Default: the repository the builders' schedulers build. */
  repository: z.string().min(1).max(500).optional(),
  /** Default: the first branch of the repository. */
  branch: branchSchema.optional(),
  /** Default: the tip of the branch when the build starts. */
  revision: revisionSchema.optional(),
  patch: z.object({
    /** A unified diff as `git diff` prints it. */
    body: z.string().min(1, 'the patch is empty'),
    /** Leading path components to strip (`git apply -p`). Default 1, as for `git diff` output. */
    level: z.number().int().min(0).max(20).default(1),
    /** Apply inside this directory of the work tree. */
    subdir: z
      .string()
      .max(500)
      .refine((d) => !d.startsWith('/') && !d.split('/').includes('..') && !d.includes('\0'), 'a relative directory without ".."')
      .optional(),
  }),
  /** The submitter: `cli:<unix user>`, or the name given with `bb try --who`. */
  owner: z.string().min(1).max(200),
  reason: z.string().max(500).optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Which try scheduler; default: the first that lists every builder and allows the submitter. */
  scheduler: z.string().optional(),
});
export type TryRequest = z.input<typeof tryRequestSchema>;

export class TryError extends ActionError {}

/** Checks that a patch is something `git apply` can take, and small enough. Returns a problem, or null. */
export function patchProblem(body: string): string | null {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes === 0 || body.trim() === '') return 'the patch is empty';
  if (bytes > MAX_TRY_PATCH_BYTES) return `the patch is ${bytes} bytes; the limit is ${MAX_TRY_PATCH_BYTES}`;
  if (body.includes('\0')) return 'the patch contains NUL bytes (use `git diff --binary` for binary files)';
  if (!/^(?:diff --git |\+\+\+ )/m.test(body)) return 'this is not a unified diff (no "diff --git" or "+++" line): send the output of `git diff`';
  return null;
}

/**
 * Accept a try build: the submitter must be in the try scheduler's `allowedUsers`, every builder
 * must exist and be listed by that scheduler, the patch must be a diff within the size limit. The
 * BuildSet's source stamp carries the patch (the executor checks out the revision and applies it);
 * the submitter is the builds' `owner` property. Try requests never collapse.
 */
export async function submitTry(store: Store, config: MasterConfig, input: unknown): Promise<{ buildsetId: number; builders: string[]; scheduler: string }> {
  const parsed = tryRequestSchema.safeParse(input);
  if (!parsed.success) throw new TryError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const req = parsed.data;
  const problem = patchProblem(req.patch.body);
  if (problem) throw new TryError(problem);
  const known = new Set(config.builders.map((b) => b.name));
  const unknown = req.builders.filter((b) => !known.has(b));
  if (unknown.length) throw new TryError(`unknown builder ${unknown.map((b) => `"${b}"`).join(', ')} (known: ${[...known].join(', ')})`);
  const trySchedulers = config.schedulers.filter((s): s is TryConfig => s.type === 'try');
  if (!trySchedulers.length) throw new TryError('this master takes no try builds: add a scheduler of type "try"');
  const lists = (s: TryConfig) => req.builders.every((b) => s.builders.includes(b));
  const allows = (s: TryConfig) => s.allowedUsers.includes(req.owner);
  let sched: TryConfig | undefined;
  if (req.scheduler) {
    sched = trySchedulers.find((s) => s.name === req.scheduler);
    if (!sched) throw new TryError(`no try scheduler named "${req.scheduler}" (known: ${trySchedulers.map((s) => s.name).join(', ')})`);
    const missing = req.builders.filter((b) => !sched!.builders.includes(b));
    if (missing.length) throw new TryError(`try scheduler "${sched.name}" does not list ${missing.join(', ')}`);
  } else {
    const listing = trySchedulers.filter(lists);
    if (!listing.length) throw new TryError(`no try scheduler lists ${req.builders.join(', ')}`);
    sched = listing.find(allows) ?? listing[0]!;
  }
  if (!allows(sched)) throw new TryError(`"${req.owner}" may not submit try builds to "${sched.name}": ask for "${req.owner}" to be added to its allowedUsers`);
  if (!(await store.schedulers.isEnabled(sched.name))) throw new TryError(`try scheduler "${sched.name}" is switched off (bb scheduler enable ${sched.name})`);

  let sourcestamp;
  try {
    sourcestamp = requestedStamp(config, req);
  } catch (err) {
    if (err instanceof RepositoryChoiceError) throw new TryError(err.message);
    throw err;
  }
  const { buildset } = await store.createBuildSet({
    reason: `try by ${req.owner}${req.reason ? `: ${req.reason}` : ''}`,
    scheduler: sched.name,
    sourcestamp,
    builders: req.builders,
    properties: { ...config.properties, ...sched.properties, ...req.properties, owner: req.owner },
    priority: (builder) => priorityFor(sched.priority, builder, []),
    collapse: false,
  });
  return { buildsetId: buildset.id, builders: req.builders, scheduler: sched.name };
}
