import { KeyedMutex } from '../util/mutex.js';
import { identitiesOf, identityField, type Identity, type User } from '../model/user.js';
import type { Store } from './store.js';

/** Refused user writes: an identity already belongs to someone else, a name is taken, … */
export class UserConflictError extends Error {}

// All user writes of one master go one at a time: the record and its index change together.
const locks = new WeakMap<Store, KeyedMutex>();
function lockOf(store: Store): KeyedMutex {
  let l = locks.get(store);
  if (!l) locks.set(store, (l = new KeyedMutex()));
  return l;
}

/** Runs `fn` with the users lock held (read-modify-write of users and their index). */
export function withUsersLock<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  return lockOf(store).run('users', fn);
}

export async function getUser(store: Store, name: string): Promise<User | null> {
  const raw = await store.redis.get(store.keys.user(name));
  return raw ? (JSON.parse(raw) as User) : null;
}

export async function listUsers(store: Store): Promise<User[]> {
  const names = await store.redis.zrange(store.keys.users, 0, -1);
  if (!names.length) return [];
  const raws = await store.redis.mget(names.map((n) => store.keys.user(n)));
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as User);
}

/** The user an identity belongs to. */
export async function userByIdentity(store: Store, id: Identity): Promise<User | null> {
  const name = await store.redis.hget(store.keys.usersIndex, identityField(id));
  return name ? getUser(store, name) : null;
}

/**
 * Writes a user and its identity index in one transaction, then publishes `user.changed`. Call
 * inside withUsersLock. Refuses an identity that belongs to another user.
 */
export async function putUser(store: Store, user: User): Promise<User> {
  const prev = await getUser(store, user.name);
  const fields = identitiesOf(user).map(identityField);
  const owners = fields.length ? await store.redis.hmget(store.keys.usersIndex, ...fields) : [];
  owners.forEach((owner, i) => {
    if (owner && owner !== user.name) throw new UserConflictError(`${fields[i]} already belongs to bb user ${owner}`);
  });
  const stale = prev ? identitiesOf(prev).map(identityField).filter((f) => !fields.includes(f)) : [];
  const m = store.redis.multi().set(store.keys.user(user.name), JSON.stringify(user)).zadd(store.keys.users, 0, user.name);
  if (stale.length) m.hdel(store.keys.usersIndex, ...stale);
  if (fields.length) m.hset(store.keys.usersIndex, Object.fromEntries(fields.map((f) => [f, user.name])));
  await m.exec();
  store.bus.emit('user.changed', user);
  return user;
}

/** Deletes a user and its index entries, then publishes `user.removed`. Call inside withUsersLock. */
export async function removeUser(store: Store, name: string): Promise<User | null> {
  const prev = await getUser(store, name);
  if (!prev) return null;
  const fields = identitiesOf(prev).map(identityField);
  const m = store.redis.multi().del(store.keys.user(name)).zrem(store.keys.users, name);
  if (fields.length) m.hdel(store.keys.usersIndex, ...fields);
  await m.exec();
  store.bus.emit('user.removed', prev);
  return prev;
}

export async function usersCursor(store: Store): Promise<number> {
  return Number((await store.redis.get(store.keys.usersCursor)) ?? 0);
}

export async function setUsersCursor(store: Store, id: number): Promise<void> {
  await store.redis.set(store.keys.usersCursor, String(id));
}
