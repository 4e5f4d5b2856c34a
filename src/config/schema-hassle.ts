import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../model/duration.js';
import { isKnownTimeZone } from '../util/time-zone.js';

/** The hassler's part of the master config (`problems.hassle`); schema.ts puts it together. */

/** `90s`, `30m`, `2h`, `1d`, `1w` (or 0) → milliseconds, checked at load (src/model/duration.ts). */
export const durationMs = z.union([z.literal(0), z.string().refine((v) => parseDuration(v) !== null, DURATION_HINT)]).transform((v) => (v === 0 ? 0 : parseDuration(v)!));

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
    if (!isKnownTimeZone(h.timeZone)) {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `"${h.timeZone}" is not an IANA time zone, e.g. Europe/Berlin` });
    }
  });
