import { oneLine } from '../util/safe-text.js';
import type { Store } from '../data/store.js';
import { parseAuthor } from './author.js';
import { withIdentity, type User } from '../model/user.js';

/**
 * The user behind a Change's author string: the one that already has this author string, else
 * the one with its email address (the author string is added as an alias), else a new user named
 * after the address's local part (`warner`, then `warner-2`, … when taken). Null when the string
 * yields no usable name. Call inside withUsersLock.
 */
export async function resolveAuthor(store: Store, rawAuthor: string, now = Date.now()): Promise<User | null> {
  // Changes stored before authors were cleaned at intake may still hold control characters.
  const author = oneLine(rawAuthor);
  const known = await store.users.byIdentity({ kind: 'author', value: author });
  if (known) return known;
  const parsed = parseAuthor(author);
  if (parsed.email) {
    const byEmail = await store.users.byIdentity({ kind: 'email', value: parsed.email });
    if (byEmail) {
      const next = withIdentity(byEmail, { kind: 'author', value: author });
      if (!next.fullName && parsed.fullName) next.fullName = parsed.fullName;
      return store.users.put(next);
    }
  }
  if (!parsed.suggestedName) return null;
  const name = await freeName(store, parsed.suggestedName);
  return store.users.put({
    name,
    ...(parsed.fullName ? { fullName: parsed.fullName } : {}),
    emails: parsed.email ? [parsed.email] : [],
    authors: [author],
    createdAt: now,
  });
}

async function freeName(store: Store, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base.slice(0, 60)}-${n}`;
    if (!(await store.users.get(name))) return name;
  }
}
