import { DURATION_HINT, parseDuration } from '../model/duration.js';
import { z } from 'zod';
import { retentionSchema } from './retention.js';
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

/** A secret given inline, or (better) by the name of an environment variable holding it. */
const secretRef = z
  .object({
    value: z.string().min(1).optional(),
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
  })
  .strict();

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The SMTP server bb sends mail through (verification codes; later, hassling). */
export const smtpSchema = z
  .object({
    host: z.string().min(1),
    /** Default 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Implicit TLS from the first byte (port 465). Default false: STARTTLS. */
    secure: z.boolean().default(false),
    /** Refuse to send unless the server upgrades with STARTTLS. Default true, except to a loopback host. */
    requireTLS: z.boolean().optional(),
    /** Verify the server's certificate. Default true; turn off only for a test server. */
    rejectUnauthorized: z.boolean().default(true),
    auth: z.object({ user: z.string().min(1), pass: secretRef }).strict().optional(),
    /** The From: address, e.g. `bb <bb@example.org>`. */
    from: z.string().min(3),
  })
  .strict()
  .transform((s) => ({ ...s, port: s.port ?? (s.secure ? 465 : 587), requireTLS: s.requireTLS ?? !LOOPBACK_HOSTS.has(s.host) }));

/** `90s`, `30m`, `2h`, `1d`, `1w` (or 0) → milliseconds, checked at load (src/model/duration.ts). */
const durationMs = z.union([z.literal(0), z.string().refine((v) => parseDuration(v) !== null, DURATION_HINT)]).transform((v) => (v === 0 ? 0 : parseDuration(v)!));

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM, e.g. 22:00');

/** Who a hassle level reaches. `channel` mentions the guilty in the hassle channels. */
export const HASSLE_WHO = ['guilty', 'responsible', 'sheriff', 'owners', 'interested'] as const;
/** How: `dm` goes to chat where the person is active, else email; `email` always mails; `channel` says it in the hassle channels, naming them. */
export const HASSLE_VIA = ['dm', 'email', 'channel'] as const;
export const HASSLE_TONES = ['gentle', 'firm', 'urgent'] as const;

export const hassleLevelSchema = z
  .object({
    /** Time after the Problem was confirmed (0 for at once). */
    after: durationMs,
    to: z.array(z.enum(HASSLE_WHO)).min(1),
    via: z.array(z.enum(HASSLE_VIA)).min(1),
    /** Default: gentle for the first level, firm for the middle ones, urgent for the last. */
    tone: z.enum(HASSLE_TONES).optional(),
    /** Sent even in the recipients' quiet hours. Default false. */
    overridesQuietHours: z.boolean().default(false),
  })
  .strict();

/** The default ladder: DM the guilty; 30 min later a firmer DM and a channel mention; at 2 h email guilty and sheriff; then every 8 h email the responsible. */
export const DEFAULT_LADDER = [
  { after: '0s', to: ['guilty'], via: ['dm'], tone: 'gentle' },
  { after: '30m', to: ['guilty'], via: ['dm', 'channel'], tone: 'firm' },
  { after: '2h', to: ['guilty', 'sheriff'], via: ['email'], tone: 'urgent' },
  { after: '10h', to: ['responsible'], via: ['email'], tone: 'urgent' },
] as const;

export const hassleSchema = z
  .object({
    /** Off: Problems are tracked and announced but nobody is reminded. Default true. */
    enabled: z.boolean().default(true),
    /** The levels, in order of `after`. */
    ladder: z.array(hassleLevelSchema).min(1).prefault(DEFAULT_LADDER.map((l) => ({ ...l, to: [...l.to], via: [...l.via] }))),
    /** Ladders for some builders (by builder name) or projects (by project name) instead of `ladder`. */
    builders: z.record(z.string(), z.array(hassleLevelSchema).min(1)).default({}),
    projects: z.record(z.string(), z.array(hassleLevelSchema).min(1)).default({}),
    /** After the last level, repeat it this often. Default 8h; 0 never repeats. */
    repeatEvery: durationMs.prefault('8h'),
    /** The cap: most repeats of the last level per Problem (default 6), and most reminders one person gets in 24 h over all Problems (default 12). */
    maxRepeats: z.number().int().min(0).default(6),
    maxPerPersonPerDay: z.number().int().positive().default(12),
    /** `ack N` pauses the ladder this long. Default 4h. */
    ackPause: durationMs.prefault('4h'),
    /** Chat counts as where someone is when they spoke, or their client was active, this recently. Default 15m. */
    idleAfter: durationMs.prefault('15m'),
    /** Quiet hours (in the person's time zone) for users who set none; `timeZone` for users who set none. Default 22:00-08:00 UTC. */
    quietHours: z.union([z.literal(false), z.object({ from: hhmm, to: hhmm }).strict()]).default({ from: '22:00', to: '08:00' }),
    timeZone: z.string().default('UTC'),
    /** Where `channel` levels speak: chat targets. Default: the targets of `chat.announce`. */
    channels: z.array(z.string().regex(/^(irc|matrix|shell):./, 'a chat target such as irc:#dev')).optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    const check = (levels: Array<{ after: number }>, path: Array<string | number>) => {
      for (let i = 1; i < levels.length; i++) {
        if (levels[i]!.after < levels[i - 1]!.after) ctx.addIssue({ code: 'custom', path: [...path, i, 'after'], message: `level ${i} comes before level ${i - 1}: give the levels in order of 'after'` });
      }
    };
    check(h.ladder, ['ladder']);
    for (const [k, v] of Object.entries(h.builders)) check(v, ['builders', k]);
    for (const [k, v] of Object.entries(h.projects)) check(v, ['projects', k]);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: h.timeZone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `"${h.timeZone}" is not an IANA time zone, e.g. Europe/Berlin` });
    }
  });

/** Users: how bb finds their email addresses, who administers them, and how it mails them. */
export const usersSchema = z
  .object({
    /** Users with no address of their own get `<name>@<emailDomain>`. Default: none. */
    emailDomain: z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'a domain name like example.org').optional(),
    /** bb user names allowed to manage users (`bb user` from chat). Default: none. */
    admins: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a bb user name')).default([]),
    /** Outgoing mail. Without it, chat claims cannot be verified. */
    smtp: smtpSchema.optional(),
  })
  .strict();

export const ircChatSchema = z
  .object({
    host: z.string().min(1),
    /** Default 6697 with TLS, 6667 without. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Default true. Certificates are verified unless `rejectUnauthorized: false`. */
    tls: z.boolean().default(true),
    /** PEM file of certificate authorities to trust for this server. */
    ca: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
    nick: z.string().min(1).max(30),
    username: z.string().optional(),
    gecos: z.string().optional(),
    /** Server password. */
    password: secretRef.optional(),
    /** Log in to services with SASL PLAIN (preferred). */
    sasl: z.object({ account: z.string().min(1), password: secretRef }).strict().optional(),
    /** Or identify to NickServ after connecting. */
    nickserv: z.object({ account: z.string().optional(), password: secretRef }).strict().optional(),
    /** Channels to join: `#bb` or `{ name, key }`. */
    channels: z.array(z.union([z.string().regex(/^[#&]/, 'a channel name starts with # or &'), z.object({ name: z.string().regex(/^[#&]/), key: z.string().optional() }).strict()])).default([]),
    /** Outgoing pace: `burst` lines, then one per `intervalMs`. Default 4 and 1000 ms. */
    throttle: z.object({ burst: z.number().int().positive().optional(), intervalMs: z.number().int().positive().optional() }).strict().optional(),
    /** Most lines in one reply. Default 5 in channels, 20 in DMs. */
    maxLines: z.object({ channel: z.number().int().positive().optional(), direct: z.number().int().positive().optional() }).strict().optional(),
  })
  .strict();

export const matrixChatSchema = z
  .object({
    homeserverUrl: z.string().url(),
    /** The bot's access token; or `login`. */
    accessToken: secretRef.optional(),
    login: z.object({ user: z.string().min(1), password: secretRef }).strict().optional(),
    /** Keeps the sync token and login across restarts. Default `<basedir>/matrix-state.json`. */
    storageFile: z.string().optional(),
    /** Rooms (ids or aliases) to join. */
    rooms: z.array(z.string()).default([]),
    /** Who may invite the bot: user ids (or `*:server`) and rooms. Default: nobody beyond `rooms`. */
    invites: z.object({ users: z.array(z.string()).default([]), rooms: z.array(z.string()).default([]) }).strict().default({ users: [], rooms: [] }),
  })
  .strict();

export const NOTIFY_EVENTS = ['started', 'finished', 'success', 'failure', 'warnings', 'exception', 'problem', 'recovery', 'worse', 'better', 'executor', 'tiers'] as const;

export const chatSchema = z
  .object({
    /** The name people address: `bb: status`. Default `bb`. */
    botName: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,29}$/).default('bb'),
    irc: ircChatSchema.optional(),
    matrix: matrixChatSchema.optional(),
    /**
     * Who may run dangerous commands (force, stop, …). Nobody unless granted: `everyone: true`,
     * verified identities in `users` (`irc:<services account>`, a Matrix user id `@u:server`, or a bb
     * user name such as `warner`, granted to whoever verified a claim to that user), or the
     * operators of the IRC channels in `ircChannelOps`.
     */
    permissions: z
      .object({
        everyone: z.boolean().default(false),
        users: z.array(z.string()).default([]),
        ircChannelOps: z.array(z.string().regex(/^[#&]/)).default([]),
      })
      .strict()
      .default({ everyone: false, users: [], ircChannelOps: [] }),
    /** Commands per person per minute. Default 20. */
    rateLimit: z.number().int().positive().default(20),
    /**
     * Announcements before anyone says `notify`: targets are `irc:#channel`, `matrix:!room:server`
     * (or an alias). Events: started, finished, success, failure, warnings, exception, problem,
     * recovery, worse, better, executor, tiers (halted, resumed, demoted, promoted, suggestion, tree). Default: none. `notify on|off` in chat changes them, and the
     * changes survive restarts.
     */
    announce: z.array(z.object({ target: z.string().regex(/^(irc|matrix|shell):./), events: z.array(z.enum(NOTIFY_EVENTS)).min(1) }).strict()).default([]),
  })
  .strict();

export const masterConfigSchema = z
  .object({
    /** The project's name in announcements and status. Default `bb`. */
    title: z.string().default('bb'),
    /** A URL shown in announcements. */
    titleUrl: z.string().optional(),
    redis: z
      .object({
        /** Default: $REDIS_URL, else redis://127.0.0.1:6379. */
        url: z.string().optional(),
        /** Every key bb writes starts with this. Default `bb`. */
        prefix: z.string().regex(/^[A-Za-z0-9_{}.-]+$/).default('bb'),
        /**
         * Start even when Redis may evict keys (a `maxmemory-policy` other than `noeviction`). Default
         * false: an evicting Redis silently drops builds, queued jobs and chat state, so the master
         * refuses to start on one unless this says the loss is accepted.
         */
        allowEviction: z.boolean().default(false),
      })
      .strict()
      .default({ prefix: 'bb', allowEviction: false }),
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
    users: usersSchema.default({ admins: [] }),
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
