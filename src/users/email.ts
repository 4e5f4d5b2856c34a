import type { UsersConfig } from '../config/schema.js';
import { parseAuthor } from './author.js';
import type { User } from '../model/user.js';

/**
 * The address bb mails a user at: the user's own email attribute (the first), else the address in
 * one of their VCS author strings, else `<name>@<users.emailDomain>`. Null when there is none.
 */
export function emailFor(user: User, users: Pick<UsersConfig, 'emailDomain'> = {}): string | null {
  if (user.emails[0]) return user.emails[0];
  for (const a of user.authors) {
    const { email } = parseAuthor(a);
    if (email) return email;
  }
  return users.emailDomain ? `${user.name}@${users.emailDomain}` : null;
}

/** An address shown in chat without giving it away: `warner@example.org` → `w***@example.org`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}
