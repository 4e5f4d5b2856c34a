import { z } from 'zod';
import { NOTIFY_EVENTS } from '../config/schema.js';
import { action, audience, by, need } from './action.js';

const events = z.array(z.enum(NOTIFY_EVENTS));
const watch = z.object({
  audience,
  builder: z.string().min(1).max(200),
  number: z.number().int().positive().optional(),
  after: z.number().int().nonnegative().optional(),
  by,
  at: z.number().int().nonnegative(),
});

/** What a channel (or one person's DMs) hears: `notify on|off`, `mute`, `unmute`, `watch`. */
export const ANNOUNCE_ACTIONS = {
  notify: action({
    summary: 'subscribe an audience to announcements, or unsubscribe it',
    input: z.discriminatedUnion('op', [
      z.object({ op: z.literal('on'), audience, events: events.min(1) }),
      z.object({ op: z.literal('off'), audience, events: z.union([events.min(1), z.literal('all')]) }),
    ]),
    /** What the audience gets now. */
    run: (ctx, i) => {
      const subs = need(ctx.subscriptions, 'chat subscriptions');
      return i.op === 'on' ? subs.subscribe(i.audience, i.events) : subs.unsubscribe(i.audience, i.events);
    },
  }),
  mute: action({
    summary: 'mute or unmute announcements to an audience',
    input: z.object({ audience, muted: z.boolean(), by }),
    /** False when it already was so. */
    run: (ctx, i) => need(ctx.subscriptions, 'chat subscriptions').setMuted(i.audience, i.muted, i.by),
  }),
  watch: action({
    summary: 'be told once how a build ends (the numbered one, or the next after `after`)',
    input: watch,
    run: (ctx, i) => need(ctx.subscriptions, 'chat subscriptions').watch(i),
  }),
  unwatch: action({
    summary: 'drop a watch (false when it is gone already: its build was announced)',
    input: watch,
    run: (ctx, i) => need(ctx.subscriptions, 'chat subscriptions').unwatch(i),
  }),
};
