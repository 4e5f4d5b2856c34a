import { KeyedMutex } from '../util/mutex.js';
import { identitiesOf, identityField, type Identity, type User } from '../model/user.js';
import type { Db } from './db.js';

/** Refused user writes: an identity already belongs to someone else, a name is taken, … */
export class UserConflictError extends Error {}


/** bb users (db:user:<name>, db:users) and their identity index (db:users:index). */
export class UsersRepo {
  // All user writes of one master go one at a time: the record and its index change together.
  private readonly lock = new KeyedMutex();

  constructor(private readonly db: Db) {}

  /** Runs `fn` with the users lock held (read-modify-write of users and their index). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.run('users', fn);
  }

  async get(name: string): Promise<User | null> {
    const raw = await this.db.redis.get(this.db.keys.user(name));
    return raw ? (JSON.parse(raw) as User) : null;
  }

  async list(): Promise<User[]> {
    const names = await this.db.redis.zrange(this.db.keys.users, 0, -1);
    if (!names.length) return [];
    const raws = await this.db.redis.mget(names.map((n) => this.db.keys.user(n)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as User);
  }

  /** The user an identity belongs to. */
  async byIdentity(id: Identity): Promise<User | null> {
    const name = await this.db.redis.hget(this.db.keys.usersIndex, identityField(id));
    return name ? this.get(name) : null;
  }

  /**
   * Writes a user and its identity index in one transaction. Call
   * inside withUsersLock. Refuses an identity that belongs to another user.
   */
  async put(user: User): Promise<User> {
    const prev = await this.get(user.name);
    const fields = identitiesOf(user).map(identityField);
    const owners = fields.length ? await this.db.redis.hmget(this.db.keys.usersIndex, ...fields) : [];
    owners.forEach((owner, i) => {
      if (owner && owner !== user.name) throw new UserConflictError(`${fields[i]} already belongs to bb user ${owner}`);
    });
    const stale = prev ? identitiesOf(prev).map(identityField).filter((f) => !fields.includes(f)) : [];
    const m = this.db.multi().set(this.db.keys.user(user.name), JSON.stringify(user)).zadd(this.db.keys.users, 0, user.name);
    if (stale.length) m.hdel(this.db.keys.usersIndex, ...stale);
    if (fields.length) m.hset(this.db.keys.usersIndex, Object.fromEntries(fields.map((f) => [f, user.name])));
    await m.exec();
    return user;
  }

  /** Deletes a user and its index entries. Call inside withUsersLock. */
  async remove(name: string): Promise<User | null> {
    const prev = await this.get(name);
    if (!prev) return null;
    const fields = identitiesOf(prev).map(identityField);
    const m = this.db.multi().del(this.db.keys.user(name)).zrem(this.db.keys.users, name);
    if (fields.length) m.hdel(this.db.keys.usersIndex, ...fields);
    await m.exec();
    return prev;
  }

  async cursor(): Promise<number> {
    return Number((await this.db.redis.get(this.db.keys.usersCursor)) ?? 0);
  }

  async setCursor(id: number): Promise<void> {
    await this.db.write((m) => m.set(this.db.keys.usersCursor, String(id)));
  }
}
