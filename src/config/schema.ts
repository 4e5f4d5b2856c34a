import { DURATION_HINT, parseDuration } from '../model/duration.js';
import { chatSchema, secretRef, usersSchema, type NOTIFY_EVENTS, type smtpSchema } from './schema-chat.js';
import { durationMs, hassleLevelSchema, hassleSchema } from './schema-hassle.js';
import { z } from 'zod';
import { retentionSchema } from './retention.js';
import { redisSchema } from './schema-redis.js';
import { leaderSchema } from './schema-leader.js';

export { redisUrlOf } from './schema-redis.js';
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

/**
 * A string matches the value exactly; an array matches any of its entries; a function gets the
 * value (undefined when the change has none) and decides. A string or array never matches a
 * missing value.
 */
const matcher = z.union([z.string(), z.array(z.string()).min(1), fn<(value: string | undefined) => boolean>('a filter')]);
export type Matcher = z.output<typeof matcher>;

/** Which changes a change scheduler looks at, beyond its branch rule. Every matcher given must agree; an empty filter takes everything. */
export const changeFilterSchema = z
  .object({
    /** The change's branch. */
    branch: matcher.optional(),
    /** The change's project. */
    project: matcher.optional(),
    /** The change's repository URL, as the change source reports it. */
    repository: matcher.optional(),
    /** The change's category. */
    category: matcher.optional(),
  })
  .strict();
export type ChangeFilter = z.output<typeof changeFilterSchema>;

/**
 * A build machine's process. The master only talks to executors listed here, and each one proves
 * who it is with its shared secret. The secret authenticates the executor and signs the jobs sent
 * to it; give exactly one of `secret`, `secretEnv` or `secretFile`, and keep at least 16 characters.
 */
export const executorSchema = z
  .object({
    /** The name the executor process announces when it connects. Unique among executors. */
    name: name('executor'),
    /** The secret itself. Better kept out of the config file: see `secretEnv` and `secretFile`. */
    secret: z.string().min(16, 'a secret needs at least 16 characters').optional(),
    /** Name of an environment variable of the master that holds the secret. It must be set when the config loads. */
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name is letters, digits and "_", not starting with a digit').optional(),
    /** A file holding the secret (surrounding whitespace is ignored). A relative path is relative to the config file's directory. */
    secretFile: z.string().min(1).optional(),
    /** Most builds it runs at once. Default: what the executor announces. */
    maxBuilds: z.number().int().positive().max(256).optional(),
  })
  .strict();

/** A named kind of build: what runs (steps) and where (executors). */
export const builderSchema = z
  .object({
    /** Unique among builders; used in chat (`bb: status linux`) and in queue names. */
    name: name('builder'),
    /** Executors (by name) that may run this builder. */
    executors: z.array(z.string()).min(1, 'a builder needs at least one executor'),
    /** Run in order; step names (explicit or derived, see `stepName`) are unique within a builder. */
    steps: z.array(stepSpecSchema).min(1, 'a builder needs at least one step'),
    /** Supported builders gate packages; unsupported ones never do. Default `supported`. */
    tier: z.enum(['supported', 'unsupported']).default('supported'),
    /** A free-form label for grouping builders in status output. */
    category: z.string().optional(),
    /** Directory name under the executor's base dir. Default: the builder's name. */
    workdir: z.string().regex(NAME_RE, 'a workdir is a plain directory name').optional(),
    /** Build properties for this builder's builds, over the master's `properties`. Default `{}`. */
    properties: z.record(z.string(), z.unknown()).default({}),
    /** A one-line account of what the builder checks. */
    description: z.string().optional(),
    /**
     * Collapse compatible pending requests into the newest (the older ones end SKIPPED, naming the
     * request that superseded them). Default: the master's `collapseRequests`.
     */
    collapseRequests: z.boolean().optional(),
    /** When a newer commit on the same branch arrives, cancel this builder's pending and running builds of older ones. Default false. */
    cancelSuperseded: z.boolean().default(false),
  })
  .strict();

const importance = z.union([
  z.array(z.string()).min(1),
  fn<(change: Change) => boolean>('fileIsImportant'),
]);

/** A cron field: a number, a list of numbers, or '*' for every value. */
const cronField = z.union([z.literal('*'), z.number().int().min(0).max(59), z.array(z.number().int().min(0).max(59)).min(1)]);

const schedulerCommon = {
  /** Unique among schedulers. */
  name: name('scheduler'),
  /** Builders (by name) that each of its BuildSets asks for. */
  builders: z.array(z.string()).min(1, 'a scheduler needs at least one builder'),
  /** Properties of its builds, over the master's `properties`. Default `{}`. */
  properties: z.record(z.string(), z.unknown()).default({}),
  /**
   * Higher runs first. A number, or a function of the builder and the BuildSet's changes returning
   * one (-1000…1000). Default 0.
   */
  priority: z.union([z.number().int().min(-1000).max(1000), fn<(builder: string, changes: Change[]) => number>('priority')]).default(0),
  /** Shown as the BuildSet's reason. Default: the scheduler's name and what triggered it. */
  reason: z.string().optional(),
};

const changeScheduler = {
  ...schedulerCommon,
  /** Seconds of quiet after the last important change before building. 0 builds every change at once. */
  treeStableTimer: z.number().min(0).max(7 * 24 * 3600),
  /**
   * Which changes (re)start the tree-stable timer. Globs: the change is important when any of its
   * files matches any glob. A glob matches the whole path from the repository root (`*.md` only
   * at the top; put `**` and a slash in front for any depth), dot files included; a `!` glob
   * matches every path it does not exclude (`['!docs/**']`: anything outside docs/). A change that
   * lists no files is then unimportant. A function gets the Change and decides.
   * Default: every change is important. Unimportant changes still ride along in the next build
   * unless `onlyImportant` is set.
   */
  fileIsImportant: importance.optional(),
  /** Leave unimportant changes out of builds altogether. Default false. */
  onlyImportant: z.boolean().default(false),
  /** Narrows the changes the scheduler looks at. Default: no narrowing. */
  filter: changeFilterSchema.default({}),
};

/**
 * `single-branch` builds changes on one branch; `any-branch` builds changes on every branch,
 * each branch with its own timer; `force` builds on request from chat or the CLI.
 */
export const schedulerSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('single-branch'),
      /** The branch whose changes it builds; must be a valid git branch name. */
      branch: z.string().min(1),
      ...changeScheduler,
    })
    .strict(),
  z.object({ type: z.literal('any-branch'), ...changeScheduler }).strict(),
  z.object({ type: z.literal('force'), ...schedulerCommon }).strict(),
  z
    .object({
      type: z.literal('periodic'),
      ...schedulerCommon,
      /** Seconds between builds, counted from the last one (the time of the last run survives restarts). */
      periodicBuildTimer: z.number().min(1),
      /** Branch to build. Default: the first branch of the first repository. */
      branch: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('nightly'),
      ...schedulerCommon,
      /** Branch to build (and whose changes count for `onlyIfChanged`). */
      branch: z.string().min(1),
      /** Cron fields: a number, a list of numbers, or '*'. Defaults: minute 0, hour 0, the rest '*'. */
      minute: cronField.default(0),
      hour: cronField.default(0),
      dayOfMonth: cronField.default('*'),
      month: cronField.default('*'),
      /** 0 (Sunday) … 6. */
      dayOfWeek: cronField.default('*'),
      /** IANA time zone the fields are read in. Default `UTC`. */
      timezone: z.string().default('UTC'),
      /** Skip the build when no important change arrived since the last one. Default false. */
      onlyIfChanged: z.boolean().default(false),
      fileIsImportant: importance.optional(),
      filter: changeFilterSchema.default({}),
    })
    .strict(),
  z
    .object({
      type: z.literal('dependent'),
      ...schedulerCommon,
      /** The scheduler whose BuildSets, when they end SUCCESS or WARNINGS, are built again on `builders`. */
      upstream: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('try'),
      ...schedulerCommon,
      /** Who may submit patches (user names, `cli:<unix user>`, chat identities). Default: nobody. */
      allowedUsers: z.array(z.string()).default([]),
    })
    .strict(),
]);

/** A git repository the master polls for new commits on some branches. */
export const repositorySchema = z
  .object({
    /** Unique among repositories. */
    name: name('repository'),
    /** Anything `git clone` takes: a URL or a local path. */
    url: z.string().min(1),
    /** The project its changes belong to. Default `''`. */
    project: z.string().default(''),
    /** Branches to poll; each a valid git branch name. Default `['main']`. */
    branches: z.array(z.string()).min(1).default(['main']),
    /** Seconds between polls. Default 60. 0 disables polling. */
    pollInterval: z.number().min(0).default(60),
  })
  .strict();

export const masterConfigSchema = z
  .object({
    /** The project's name in announcements and status. Default `bb`. */
    title: z.string().default('bb'),
    /** A URL shown in announcements. */
    titleUrl: z.string().optional(),
    /** Where bb keeps its state: one server or a Sentinel-managed primary (src/config/schema-redis.ts). */
    redis: redisSchema,
    /**
     * Several masters on one prefix: the leader lease's timing (src/config/schema-leader.ts):
     * `{ lease: '6s', renew: '2s', poll: '1s' }` (the defaults). A lone master needs none.
     */
    leader: leaderSchema,
    /** History retention: how long builds, logs, changes and BuildSets are kept (src/config/retention.ts). On by default. */
    retention: retentionSchema,
    /** Where the master keeps git mirrors for pollers. Default `.bb/master`. */
    basedir: z.string().default('.bb/master'),
    /** Seconds without a heartbeat before an executor counts as lost and its builds are retried. Default 15. */
    executorTimeout: z.number().positive().max(3600).default(15),
    /**
     * Seconds a dispatched build may wait for its executor to start it; after that its job is
     * taken back and the build is retried (so a process that takes jobs and never runs them
     * wedges no builder). Default 60.
     */
    startTimeout: z.number().positive().max(86_400).default(60),
    /** Properties of every build. Default `{}`. */
    properties: z.record(z.string(), z.unknown()).default({}),
    /** The build machines' processes the master accepts. At least one. */
    executors: z.array(executorSchema).min(1, 'configure at least one executor'),
    /** At least one. */
    builders: z.array(builderSchema).min(1, 'configure at least one builder'),
    /** What starts builds. Default: none (nothing builds until one is configured). */
    schedulers: z.array(schedulerSchema).default([]),
    /** Repositories polled for changes. Default: none (changes come only from `bb sendchange` or webhooks). */
    repositories: z.array(repositorySchema).default([]),
    /** Collapse compatible pending requests of a builder into the newest. Builders may override. Default true. */
    collapseRequests: z.boolean().default(true),
    /** The master's HTTP side (webhooks). Default: off. */
    http: z
      .object({
        /** Address to listen on. Default 127.0.0.1. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
        /** Largest request body accepted, in bytes. Default 1 MiB. */
        maxBodyBytes: z.number().int().positive().default(1024 * 1024),
        /**
         * Seconds during which a push already stored is not stored again. A push is known by what
         * its signature covers (repository, branch, before..after, revisions, and GitHub's push time),
         * not by the unsigned delivery id, so a captured request replayed with a new or no delivery
         * id adds nothing. Default 7 days.
         */
        replayWindow: z.number().int().positive().max(365 * 86_400).default(7 * 86_400),
        webhooks: z
          .object({
            /** GitHub push events, verified by X-Hub-Signature-256 (HMAC-SHA256 with this secret). */
            github: z.object({ secret: secretRef, project: z.string().optional() }).strict().optional(),
            /** GitLab push events, verified by X-Gitlab-Token. */
            gitlab: z.object({ token: secretRef, project: z.string().optional() }).strict().optional(),
            /** bb's own JSON form (a list of changes), verified by HMAC-SHA256 in X-BB-Signature. */
            generic: z.object({ secret: secretRef }).strict().optional(),
          })
          .strict()
          .default({}),
      })
      .strict()
      .optional(),
    /** The chat bot: IRC, Matrix, who may do what, and what is announced where. Default: no chat. */
    chat: chatSchema.optional(),
    /** Users: email addresses, admins, outgoing mail (SMTP). Default: no mail. */
    users: usersSchema.default({ admins: [], people: [] }),
    /**
     * Packages (the Tahoe policy): when every builder supported at that moment has a SUCCESS or
     * WARNINGS build of a revision, bb starts `builder` (steps that make the packages) on that
     * revision, once per revision. `dir`: where the package builder is told to put them (property
     * `package_dir`). A supported builder whose latest build is red halts packages for every platform.
     */
    packages: z.object({ builder: z.string().min(1), dir: z.string().optional() }).strict().optional(),
    /**
     * Run-time tiers (`demote`, `promote`, `tiers`, `tree` in chat). `owners`: builder → bb users
     * told when it is demoted or promoted. `suggestDemotionAfter`: a supported builder red this
     * long gets one suggestion in the announce channels (`90s`, `30m`, `24h`, `2d`).
     */
    tiers: z
      .object({
        owners: z.record(z.string(), z.array(z.string())).default({}),
        suggestDemotionAfter: z.string().refine((v) => parseDuration(v) !== null, DURATION_HINT).optional(),
      })
      .strict()
      .optional(),
    /**
     * Problems (src/problems/): who is responsible when something that passed fails.
     * `owners`: module owners, told when a change touching one of their path globs (`src/net/**`)
     * is blamed. `sheriff`: a rotation of bb users, one per ISO week in turn (`sheriff set` in chat
     * overrides it for the week). `interested`: builder → users who want to hear of its Problems.
     * `confirm`: rerun the failing builder once at the same revision before a Problem counts
     * (default true); a pass on the rerun marks it flaky.
     */
    problems: z
      .object({
        owners: z.array(z.object({ paths: z.array(z.string().min(1)).min(1), users: z.array(z.string().min(1)).min(1) }).strict()).default([]),
        sheriff: z.array(z.string().min(1)).default([]),
        interested: z.record(z.string(), z.array(z.string().min(1))).default({}),
        confirm: z.boolean().default(true),
        /** A confirming rerun with no verdict this long after the failure (no executor free, say) confirms the Problem. Default 2h. */
        confirmWithin: durationMs.prefault('2h'),
        /**
         * The flaky memory (README "Flaky tests"). `clearAfter`: passing runs in a row after which a
         * test is no longer remembered as flaky (default 20). `window`: runs per test and builder its
         * flip rate is counted over (default 30). `historyReruns`: confirming reruns, all of which must
         * fail, for a test with a flaky history (default 3; one otherwise).
         */
        flaky: z
          .object({
            clearAfter: z.number().int().min(1).max(10_000).default(20),
            window: z.number().int().min(2).max(500).default(30),
            historyReruns: z.number().int().min(1).max(10).default(3),
          })
          .strict()
          .prefault({}),
        /** The hassler: who is reminded, how, and how often, until a Problem is fixed (README "The hassler"). */
        hassle: hassleSchema.prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export * from './schema-chat.js';
export * from './schema-hassle.js';
export type { LeaderConfig } from './schema-leader.js';

export type MasterConfigInput = z.input<typeof masterConfigSchema>;
export type MasterConfig = z.output<typeof masterConfigSchema>;
export type BuilderConfig = z.output<typeof builderSchema>;
export type SchedulerConfig = z.output<typeof schedulerSchema>;
export type ChangeSchedulerConfig = Extract<SchedulerConfig, { type: 'single-branch' | 'any-branch' }>;
export type ExecutorConfig = z.output<typeof executorSchema>;
export type RepositoryConfig = z.output<typeof repositorySchema>;
export type ChatConfig = z.output<typeof chatSchema>;
export type UsersConfig = z.output<typeof usersSchema>;
export type SmtpConfig = z.output<typeof smtpSchema>;
export type ProblemsConfig = MasterConfig['problems'];
export type HassleConfig = ProblemsConfig['hassle'];
export type HassleLevel = z.output<typeof hassleLevelSchema>;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
