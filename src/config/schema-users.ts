import { z } from 'zod';
import { EMAIL_RE, USER_NAME_RE } from '../model/user.js';
import { isKnownTimeZone } from '../util/time-zone.js';

/**
 * `users.people`: the people a team declares in the master config. At master start and on every
 * reconfig they are merged into the stored users (src/users/declared.ts): the config is the source
 * of truth for the fields it names.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM, e.g. 22:00');

const ianaZone = z.string().superRefine((zone, ctx) => {
  const ok = zone.length > 0 && zone.length <= 64 && !/^[+-]|\d:\d/.test(zone) && isKnownTimeZone(zone);
  if (!ok) ctx.addIssue({ code: 'custom', message: `"${zone}" is not an IANA time zone, e.g. Europe/Berlin` });
});

export const personSchema = z
  .object({
    /** The bb user name: what permissions, owners, sheriff and `i am user` use. */
    name: z.string().regex(USER_NAME_RE, 'a bb user name: letters, digits, ".", "_" or "-", at most 64'),
    fullName: z.string().min(1).max(200).optional(),
    /** Their addresses, the preferred one first. A change by any of them is theirs. */
    emails: z.array(z.string().regex(EMAIL_RE, 'an email address')).default([]),
    /** IRC nick, and the services (NickServ/SASL) account that proves it is them. */
    irc: z.object({ nick: z.string().min(1).max(30).optional(), account: z.string().regex(/^[^\s:]+$/, 'a services account name').optional() }).strict().optional(),
    /** Matrix user id, `@user:server`. */
    matrix: z.string().regex(/^@[^\s:]+:\S+$/, 'a Matrix user id like @alice:example.org').optional(),
    /** IANA time zone for their quiet hours. */
    timeZone: ianaZone.optional(),
    /** `{ from: '22:00', to: '07:00' }` in their time zone, or false: never quiet. */
    quietHours: z.union([z.literal(false), z.object({ from: hhmm, to: hhmm }).strict().refine((q) => q.from !== q.to, 'quiet hours begin and end at the same time')]).optional(),
  })
  .strict();

export type DeclaredPerson = z.output<typeof personSchema>;

/** Each name, address, IRC account and Matrix id belongs to one declared person. */
export const peopleSchema = z.array(personSchema).superRefine((people, ctx) => {
  const seen = new Map<string, number>();
  const claim = (key: string, i: number, path: (string | number)[], what: string) => {
    const k = key.toLowerCase();
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else if (first !== i) ctx.addIssue({ code: 'custom', path: [i, ...path], message: `${what} is also claimed by people[${first}] (${people[first]!.name}): each belongs to one person` });
  };
  people.forEach((p, i) => {
    claim(`name:${p.name}`, i, ['name'], `name "${p.name}"`);
    p.emails.forEach((e, j) => claim(`email:${e}`, i, ['emails', j], `email ${e}`));
    if (p.irc?.account) claim(`irc:${p.irc.account}`, i, ['irc', 'account'], `IRC account ${p.irc.account}`);
    if (p.matrix) claim(`matrix:${p.matrix}`, i, ['matrix'], `Matrix id ${p.matrix}`);
  });
});
