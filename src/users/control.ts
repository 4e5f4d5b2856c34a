import { z } from 'zod';
import type { Store } from '../data/store.js';
import { UserConflictError } from '../data/users.js';
import { checkQuietHours, checkTimeZone, SettingError } from './settings.js';
import { parseIdentity, USER_NAME_RE, withIdentity, withPreferredEmails, type QuietHours, type User } from '../model/user.js';
import { ActionError } from '../actions/error.js';
import type { DeclaredPerson } from '../config/schema-users.js';
import { declaredRefusal, type DeclarableField } from './declared.js';

/** A `bb user` request refused, with the reason for the person who asked. */
export class UserControlError extends ActionError {}

const name = z.string().regex(USER_NAME_RE, 'a bb user name: letters, digits, ".", "_" or "-"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');
const quietHours = z.object({ from: hhmm, to: hhmm });
const fullName = z.string().min(1).max(200);
const ircNick = z.string().min(1).max(64);
const ircAccount = z.string().regex(/^[^\s:]{1,64}$/, 'an IRC services account');
const matrixId = z.string().regex(/^@[^\s:]+:\S+$/, 'a Matrix user id @user:server');
const timeZone = z.string().max(64);

export const userRequestSchema = z.discriminatedUnion('op', [
  z.object({
    v: z.literal(1),
    type: z.literal('user'),
    op: z.literal('add'),
    name,
    fullName: z.string().max(200).optional(),
    emails: z.array(z.string()).default([]),
    authors: z.array(z.string().max(500)).default([]),
    ircNick: z.string().max(64).optional(),
    ircAccount: ircAccount.optional(),
    matrixId: matrixId.optional(),
    timeZone: timeZone.optional(),
    /** false: none at all. Left out: bb's default (`problems.hassle.quietHours`). */
    quietHours: z.union([quietHours, z.literal(false)]).optional(),
  }),
  /**
   * Changes an existing user: what is given replaces what it had; `emails` are added, preferred
   * first; `quietHours: false` means none at all, `null` puts them back to bb's default.
   */
  z.object({
    v: z.literal(1),
    type: z.literal('user'),
    op: z.literal('set'),
    name,
    fullName: fullName.optional(),
    emails: z.array(z.string()).default([]),
    ircNick: ircNick.optional(),
    ircAccount: ircAccount.optional(),
    matrixId: matrixId.optional(),
    timeZone: timeZone.optional(),
    quietHours: z.union([quietHours, z.literal(false), z.null()]).optional(),
  }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('link'), name, identity: z.string().min(1).max(500) }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('show'), who: z.string().min(1).max(500) }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('remove'), name }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('list') }),
]);
export type UserRequest = z.input<typeof userRequestSchema>;

export type UserReply = { user: User } | { users: User[] } | { removed: string };

/**
 * `bb user add|set|link|show|remove|list`, run by the master from its control queue so every
 * write goes through the master's write path; chat's `my …` and an admin's `user …` run it too
 * (src/users/chat.ts). `declared` (`users.people`): the fields the config names for a person are
 * refused here, since the config wins for them (src/users/declared.ts).
 */
export async function userControl(store: Store, raw: unknown, now = Date.now(), declared: readonly DeclaredPerson[] = []): Promise<UserReply> {
  const parsed = userRequestSchema.safeParse(raw);
  if (!parsed.success) throw new UserControlError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const req = parsed.data;
  switch (req.op) {
    case 'list':
      return { users: await store.users.list() };
    case 'show': {
      const user = (USER_NAME_RE.test(req.who) ? await store.users.get(req.who) : null) ?? (await byIdentity(store, req.who));
      if (!user) throw new UserControlError(`no bb user ${JSON.stringify(req.who)}`);
      return { user };
    }
    case 'remove':
      refuseDeclared(declared, req.name, 'remove');
      return store.users.withLock(async () => {
        if (!(await store.users.remove(req.name))) throw new UserControlError(`no bb user ${req.name}`);
        await store.claims.voidTo(req.name);
        return { removed: req.name };
      });
    case 'link':
      return store.users.withLock(async () => {
        const id = parseIdentity(req.identity);
        if (!id) throw new UserControlError(`"${req.identity}" is not an identity: write irc:<account>, @user:server, email:<address> or "Full Name <email>"`);
        if (id.kind === 'irc' || id.kind === 'matrix') refuseDeclared(declared, req.name, [id.kind === 'irc' ? 'ircAccount' : 'matrixId']);
        const user = await store.users.get(req.name);
        if (!user) throw new UserControlError(`no bb user ${req.name} (add it first: bb user add ${req.name})`);
        return { user: await write(store, withIdentity(user, id)) };
      });
    case 'add':
      return store.users.withLock(async () => {
        if (await store.users.get(req.name)) throw new UserControlError(`bb user ${req.name} exists already (use bb user link to add identities)`);
        let user: User = {
          name: req.name,
          emails: [],
          authors: [],
          createdAt: now,
          ...(req.fullName ? { fullName: req.fullName } : {}),
          ...(req.ircNick ? { ircNick: req.ircNick } : {}),
          ...(req.timeZone ? { timeZone: valid(() => checkTimeZone(req.timeZone!)) } : {}),
          ...(req.quietHours ? { quietHours: valid(() => checkQuietHours(req.quietHours as QuietHours)) } : req.quietHours === false ? { quietHours: false as const } : {}),
        };
        for (const e of req.emails) user = withIdentity(user, checked(`email:${e}`, 'email'));
        for (const a of req.authors) user = withIdentity(user, { kind: 'author', value: a });
        if (req.ircAccount) user = withIdentity(user, { kind: 'irc', value: req.ircAccount });
        if (req.matrixId) user = withIdentity(user, { kind: 'matrix', value: req.matrixId });
        return { user: await write(store, user) };
      });
    case 'set':
      return store.users.withLock(async () => {
        const user = await store.users.get(req.name);
        if (!user) throw new UserControlError(`no bb user ${req.name} (add it first: bb user add ${req.name})`);
        const { fullName, ircNick, ircAccount, matrixId, timeZone, quietHours, emails } = req;
        if (!emails.length && [fullName, ircNick, ircAccount, matrixId, timeZone, quietHours].every((f) => f === undefined)) throw new UserControlError(`nothing to set for ${req.name}: give a full name, email, IRC nick or account, Matrix id, time zone or quiet hours`);
        const given = Object.entries({ fullName, ircNick, ircAccount, matrixId, timeZone, quietHours }).filter(([, v]) => v !== undefined).map(([k]) => k as DeclarableField);
        refuseDeclared(declared, req.name, emails.length ? [...given, 'emails'] : given);
        let next: User = { ...user, emails: [...user.emails], authors: [...user.authors] };
        if (fullName !== undefined) next.fullName = fullName;
        if (ircNick !== undefined) next.ircNick = ircNick;
        if (timeZone !== undefined) next.timeZone = valid(() => checkTimeZone(timeZone));
        if (quietHours === null) delete next.quietHours;
        else if (quietHours === false) next.quietHours = false;
        else if (quietHours) next.quietHours = valid(() => checkQuietHours(quietHours));
        if (ircAccount) next = withIdentity(next, { kind: 'irc', value: ircAccount });
        if (matrixId) next = withIdentity(next, { kind: 'matrix', value: matrixId });
        if (emails.length) next = withPreferredEmails(next, emails.map((e) => checked(`email:${e}`, 'email').value));
        return { user: await write(store, next) };
      });
  }
}

function refuseDeclared(declared: readonly DeclaredPerson[], name: string, fields: readonly DeclarableField[] | 'remove'): void {
  const why = declaredRefusal(declared, name, fields);
  if (why) throw new UserControlError(why);
}

async function byIdentity(store: Store, text: string): Promise<User | null> {
  const id = parseIdentity(text);
  return id ? store.users.byIdentity(id) : null;
}

async function write(store: Store, user: User): Promise<User> {
  try {
    return await store.users.put(user);
  } catch (err) {
    if (err instanceof UserConflictError) throw new UserControlError(err.message);
    throw err;
  }
}

function checked(text: string, kind: 'email') {
  const id = parseIdentity(text);
  if (!id || id.kind !== kind) throw new UserControlError(`"${text.slice(6)}" is not an email address`);
  return id;
}

/** A setting check whose refusal is the request's. */
function valid<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SettingError) throw new UserControlError(err.message);
    throw err;
  }
}
