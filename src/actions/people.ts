import { z } from 'zod';
import { USER_NAME_RE } from '../model/user.js';
import { action, asMessage, need, speaker } from './action.js';

const userName = z.string().regex(USER_NAME_RE, 'a bb user name: letters, digits, ".", "_" or "-"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
/** A settings change: `quietHours` false is none at all, null bb's default again. */
const settings = {
  timeZone: z.string().min(1).max(64).optional(),
  quietHours: z.union([z.object({ from: hhmm, to: hhmm }), z.literal(false), z.null()]).optional(),
};

/**
 * Who people on chat are (`i am user`, `verify`, `forget me`) and bb users as chat changes them
 * (`my timezone|quiet hours`, an admin's `user show|link|set`). The control queue's `user` action
 * is the operator's (src/actions/pipeline.ts); these act for the person who spoke.
 */
export const PEOPLE_ACTIONS = {
  claim: action({
    summary: 'claim to be a bb user: a one-time code is mailed to them',
    input: z.object({ speaker, user: userName }),
    run: (ctx, i) => need(ctx.identity, 'chat identities').claim(asMessage(i.speaker), i.user),
  }),
  verify: action({
    summary: 'confirm a claim with the mailed code',
    input: z.object({ speaker, code: z.string().min(1).max(100) }),
    run: (ctx, i) => need(ctx.identity, 'chat identities').verify(asMessage(i.speaker), i.code),
  }),
  forgetMe: action({
    summary: 'drop a claim and unlink the chat account from its bb user',
    input: z.object({ speaker }),
    run: (ctx, i) => need(ctx.identity, 'chat identities').forget(asMessage(i.speaker)),
  }),
  mySettings: action({
    summary: "change one's own time zone and quiet hours",
    input: z.object({ speaker, ...settings }),
    run: (ctx, { speaker: s, ...change }) => need(ctx.users, 'chat users').setMine(asMessage(s), change),
  }),
  userByAdmin: action({
    summary: 'show, link or set a bb user, for a verified admin (users.admins)',
    input: z.object({
      speaker,
      request: z.discriminatedUnion('op', [
        z.object({ op: z.literal('show'), who: z.string().min(1).max(300) }),
        z.object({ op: z.literal('link'), name: userName, identity: z.string().min(1).max(300) }),
        z.object({ op: z.literal('set'), name: userName, ...settings }),
      ]),
    }),
    run: (ctx, i) => need(ctx.users, 'chat users').admin(asMessage(i.speaker), i.request),
  }),
};
