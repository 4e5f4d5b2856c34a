import { z } from 'zod';
import { voidClaimsTo } from '../data/claims.js';
import type { Store } from '../data/store.js';
import { getUser, listUsers, putUser, removeUser, userByIdentity, UserConflictError, withUsersLock } from '../data/users.js';
import { parseIdentity, USER_NAME_RE, withIdentity, type User } from './user.js';

/** A `bb user` request refused, with the reason for the person who asked. */
export class UserControlError extends Error {}

const name = z.string().regex(USER_NAME_RE, 'a bb user name: letters, digits, ".", "_" or "-"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

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
    ircAccount: z.string().max(64).optional(),
    matrixId: z.string().regex(/^@[^\s:]+:\S+$/, 'a Matrix user id @user:server').optional(),
    timeZone: z.string().max(64).optional(),
    quietHours: z.object({ from: hhmm, to: hhmm }).optional(),
  }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('link'), name, identity: z.string().min(1).max(500) }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('show'), who: z.string().min(1).max(500) }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('remove'), name }),
  z.object({ v: z.literal(1), type: z.literal('user'), op: z.literal('list') }),
]);
export type UserRequest = z.input<typeof userRequestSchema>;

export type UserReply = { user: User } | { users: User[] } | { removed: string };

/**
 * `bb user add|link|show|remove|list`, run by the master from its control queue so every write
 * goes through the master's write path.
 */
export async function userControl(store: Store, raw: unknown, now = Date.now()): Promise<UserReply> {
  const parsed = userRequestSchema.safeParse(raw);
  if (!parsed.success) throw new UserControlError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const req = parsed.data;
  switch (req.op) {
    case 'list':
      return { users: await listUsers(store) };
    case 'show': {
      const user = (USER_NAME_RE.test(req.who) ? await getUser(store, req.who) : null) ?? (await byIdentity(store, req.who));
      if (!user) throw new UserControlError(`no bb user ${JSON.stringify(req.who)}`);
      return { user };
    }
    case 'remove':
      return withUsersLock(store, async () => {
        if (!(await removeUser(store, req.name))) throw new UserControlError(`no bb user ${req.name}`);
        await voidClaimsTo(store, req.name);
        return { removed: req.name };
      });
    case 'link':
      return withUsersLock(store, async () => {
        const id = parseIdentity(req.identity);
        if (!id) throw new UserControlError(`"${req.identity}" is not an identity: write irc:<account>, @user:server, email:<address> or "Full Name <email>"`);
        const user = await getUser(store, req.name);
        if (!user) throw new UserControlError(`no bb user ${req.name} (add it first: bb user add ${req.name})`);
        return { user: await write(store, withIdentity(user, id)) };
      });
    case 'add':
      return withUsersLock(store, async () => {
        if (await getUser(store, req.name)) throw new UserControlError(`bb user ${req.name} exists already (use bb user link to add identities)`);
        let user: User = {
          name: req.name,
          emails: [],
          authors: [],
          createdAt: now,
          ...(req.fullName ? { fullName: req.fullName } : {}),
          ...(req.ircNick ? { ircNick: req.ircNick } : {}),
          ...(req.timeZone ? { timeZone: checkZone(req.timeZone) } : {}),
          ...(req.quietHours ? { quietHours: req.quietHours } : {}),
        };
        for (const e of req.emails) user = withIdentity(user, checked(`email:${e}`, 'email'));
        for (const a of req.authors) user = withIdentity(user, { kind: 'author', value: a });
        if (req.ircAccount) user = withIdentity(user, { kind: 'irc', value: req.ircAccount });
        if (req.matrixId) user = withIdentity(user, { kind: 'matrix', value: req.matrixId });
        return { user: await write(store, user) };
      });
  }
}

async function byIdentity(store: Store, text: string): Promise<User | null> {
  const id = parseIdentity(text);
  return id ? userByIdentity(store, id) : null;
}

async function write(store: Store, user: User): Promise<User> {
  try {
    return await putUser(store, user);
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

function checkZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new UserControlError(`"${zone}" is not a time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
  }
}
