import { z } from 'zod';
import { peopleSchema } from './schema-users.js';

/** The people's part of the master config: users, mail, chat; schema.ts puts it together. */

/** A secret given inline, or (better) by the name of an environment variable holding it. */
export const secretRef = z
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

/** Users: how bb finds their email addresses, who administers them, and how it mails them. */
export const usersSchema = z
  .object({
    /** Users with no address of their own get `<name>@<emailDomain>`. Default: none. */
    emailDomain: z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'a domain name like example.org').optional(),
    /** bb user names allowed to manage users (`bb user` from chat). Default: none. */
    admins: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a bb user name')).default([]),
    /** Outgoing mail. Without it, chat claims cannot be verified. */
    smtp: smtpSchema.optional(),
    /**
     * The team's people: `{ name, fullName, emails, irc: { nick, account }, matrix, timeZone,
     * quietHours }`. Merged into the users learned from changes; the config wins for the fields it names.
     */
    people: peopleSchema.default([]),
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
