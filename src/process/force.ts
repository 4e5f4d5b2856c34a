import { RepositoryChoiceError, requestedStamp } from './requested-stamp.js';
import { z } from 'zod';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { branchSchema, revisionSchema } from '../model/change.js';
import { priorityFor } from '../schedulers/priority.js';
import { ActionError } from '../actions/error.js';

/** A request to force a build, from the CLI or chat. */
export const forceRequestSchema = z.object({
  v: z.literal(1),
  type: z.literal('force'),
  builders: z.array(z.string()).min(1),
  /** A configured repository's name or URL. Default: the repository the builders' schedulers build (see `repositoryFor`). */
  repository: z.string().min(1).max(500).optional(),
  branch: branchSchema.optional(),
  revision: revisionSchema.optional(),
  reason: z.string().max(500, 'at most 500 characters').optional(),
  /** Who asked: a user name, chat identity or `cli:<unix user>`. */
  owner: z.string().max(200),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Which force scheduler to use; default: the first that lists all the builders. */
  scheduler: z.string().optional(),
  /**
   * Let its requests collapse with compatible ones (same branch, no revision given, same
   * properties apart from `owner`) where the builder collapses requests. Default false: a forced
   * build runs as asked.
   */
  collapse: z.boolean().optional(),
});
export type ForceRequest = z.input<typeof forceRequestSchema>;

export class ForceError extends ActionError {}

/**
 * Force a build: checks that a force scheduler lists every builder asked for, then creates the
 * BuildSet. Forced builds run at the force scheduler's priority plus 10, so they overtake change builds.
 */
export async function forceBuild(store: Store, config: MasterConfig, input: unknown): Promise<{ buildsetId: number; builders: string[] }> {
  const parsed = forceRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new ForceError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  }
  const req = parsed.data;
  const known = new Set(config.builders.map((b) => b.name));
  const unknown = req.builders.filter((b) => !known.has(b));
  if (unknown.length) throw new ForceError(`unknown builder ${unknown.map((b) => `"${b}"`).join(', ')} (known: ${[...known].join(', ')})`);
  const forceSchedulers = config.schedulers.filter((s) => s.type === 'force');
  const sched = req.scheduler
    ? forceSchedulers.find((s) => s.name === req.scheduler)
    : forceSchedulers.find((s) => req.builders.every((b) => s.builders.includes(b)));
  if (!sched) throw new ForceError(`no force scheduler allows ${req.builders.join(', ')}: add them to a scheduler of type "force"`);
  const notAllowed = req.builders.filter((b) => !sched.builders.includes(b));
  if (notAllowed.length) throw new ForceError(`force scheduler "${sched.name}" does not list ${notAllowed.join(', ')}`);
  if (!(await store.schedulers.isEnabled(sched.name))) throw new ForceError(`force scheduler "${sched.name}" is switched off (bb scheduler enable ${sched.name})`);
  let sourcestamp;
  try {
    sourcestamp = requestedStamp(config, req);
  } catch (err) {
    if (err instanceof RepositoryChoiceError) throw new ForceError(err.message);
    throw err;
  }
  const { buildset } = await store.createBuildSet({
    reason: `forced by ${req.owner}${req.reason ? `: ${req.reason}` : ''}`,
    scheduler: sched.name,
    sourcestamp,
    builders: req.builders,
    properties: { ...config.properties, ...sched.properties, ...req.properties, owner: req.owner },
    priority: (builder) => priorityFor(sched.priority, builder, []) + 10,
    collapse: req.collapse ?? false,
  });
  return { buildsetId: buildset.id, builders: req.builders };
}
