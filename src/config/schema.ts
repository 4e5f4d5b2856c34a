import { z } from 'zod';
import { NAME_RE, type Change } from '../model/change.js';
import { stepSpecSchema } from '../model/steps.js';

/**
 * The master config. A config file is a TypeScript module whose default export is
 * `defineConfig({...})`; it is validated as a whole at load, and every error names its path.
 * Defaults are given with each option.
 */

const name = (what: string) =>
  z.string().regex(NAME_RE, `a ${what} name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`);

const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

/** A string matches exactly; an array matches any of its entries; a function decides. */
const matcher = z.union([z.string(), z.array(z.string()).min(1), fn<(value: string | undefined) => boolean>('a filter')]);
export type Matcher = z.output<typeof matcher>;

export const changeFilterSchema = z
  .object({
    branch: matcher.optional(),
    project: matcher.optional(),
    repository: matcher.optional(),
    category: matcher.optional(),
  })
  .strict();

export const executorSchema = z
  .object({
    name: name('executor'),
    /**
     * The executor's shared secret. It authenticates the executor and signs the jobs sent to it.
     * Give exactly one of `secret`, `secretEnv` (name of an environment variable) or `secretFile`.
     */
    secret: z.string().min(16, 'a secret needs at least 16 characters').optional(),
    secretEnv: z.string().optional(),
    secretFile: z.string().optional(),
    /** Most builds it runs at once. Default: what the executor announces. */
    maxBuilds: z.number().int().positive().max(256).optional(),
  })
  .strict();

export const builderSchema = z
  .object({
    name: name('builder'),
    /** Executors that may run this builder. */
    executors: z.array(z.string()).min(1, 'a builder needs at least one executor'),
    steps: z.array(stepSpecSchema).min(1, 'a builder needs at least one step'),
    /** Supported builders gate packages; unsupported ones never do. Default `supported`. */
    tier: z.enum(['supported', 'unsupported']).default('supported'),
    category: z.string().optional(),
    /** Directory name under the executor's base dir. Default: the builder's name. */
    workdir: z.string().regex(NAME_RE, 'a workdir is a plain directory name').optional(),
    properties: z.record(z.string(), z.unknown()).default({}),
    description: z.string().optional(),
  })
  .strict();

const importance = z.union([
  z.array(z.string()).min(1),
  fn<(change: Change) => boolean>('fileIsImportant'),
]);

const schedulerCommon = {
  name: name('scheduler'),
  builders: z.array(z.string()).min(1, 'a scheduler needs at least one builder'),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Higher runs first. Default 0. */
  priority: z.number().int().min(-1000).max(1000).default(0),
  reason: z.string().optional(),
};

const changeScheduler = {
  ...schedulerCommon,
  /** Seconds of quiet after the last important change before building. 0 builds every change at once. */
  treeStableTimer: z.number().min(0).max(7 * 24 * 3600),
  /** Glob patterns (any matching file makes the change important) or a function of the Change. Default: every change is important. */
  fileIsImportant: importance.optional(),
  /** Leave unimportant changes out of builds altogether. Default false. */
  onlyImportant: z.boolean().default(false),
  filter: changeFilterSchema.default({}),
};

export const schedulerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('single-branch'), branch: z.string().min(1), ...changeScheduler }).strict(),
  z.object({ type: z.literal('any-branch'), ...changeScheduler }).strict(),
  z.object({ type: z.literal('force'), ...schedulerCommon }).strict(),
]);

export const repositorySchema = z
  .object({
    name: name('repository'),
    /** Anything `git clone` takes: a URL or a local path. */
    url: z.string().min(1),
    project: z.string().default(''),
    /** Branches to poll. */
    branches: z.array(z.string()).min(1).default(['main']),
    /** Seconds between polls. Default 60. 0 disables polling. */
    pollInterval: z.number().min(0).default(60),
  })
  .strict();

export const masterConfigSchema = z
  .object({
    title: z.string().default('bb'),
    /** A URL shown in announcements. */
    titleUrl: z.string().optional(),
    redis: z
      .object({
        /** Default: $REDIS_URL, else redis://127.0.0.1:6379. */
        url: z.string().optional(),
        /** Every key bb writes starts with this. Default `bb`. */
        prefix: z.string().regex(/^[A-Za-z0-9_{}.-]+$/).default('bb'),
      })
      .strict()
      .default({ prefix: 'bb' }),
    /** Where the master keeps git mirrors for pollers. Default `.bb/master`. */
    basedir: z.string().default('.bb/master'),
    /** Seconds without a heartbeat before an executor counts as lost and its builds are retried. Default 15. */
    executorTimeout: z.number().positive().max(3600).default(15),
    properties: z.record(z.string(), z.unknown()).default({}),
    executors: z.array(executorSchema).min(1, 'configure at least one executor'),
    builders: z.array(builderSchema).min(1, 'configure at least one builder'),
    schedulers: z.array(schedulerSchema).default([]),
    repositories: z.array(repositorySchema).default([]),
  })
  .strict();

export type MasterConfigInput = z.input<typeof masterConfigSchema>;
export type MasterConfig = z.output<typeof masterConfigSchema>;
export type BuilderConfig = z.output<typeof builderSchema>;
export type SchedulerConfig = z.output<typeof schedulerSchema>;
export type ChangeSchedulerConfig = Extract<SchedulerConfig, { type: 'single-branch' | 'any-branch' }>;
export type ExecutorConfig = z.output<typeof executorSchema>;
export type RepositoryConfig = z.output<typeof repositorySchema>;
