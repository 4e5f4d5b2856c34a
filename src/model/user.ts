/** A bb user name: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const USER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Quiet hours in the user's time zone, `HH:MM` each; `from` may be later than `to` (overnight). */
export interface QuietHours {
  from: string;
  to: string;
}

/**
 * A person behind many names: VCS author strings, email addresses, an IRC nick and services
 * account, a Matrix id. Created from the authors of Changes, or with `bb user add`.
 */
export interface User {
  name: string;
  fullName?: string;
  /** Addresses, the preferred one first. */
  emails: string[];
  /** VCS author strings as they appear in Changes (`Full Name <email>`, an svn user name). */
  authors: string[];
  ircNick?: string;
  /** IRC services (NickServ/SASL) account. */
  ircAccount?: string;
  /** Matrix user id, `@user:server`. */
  matrixId?: string;
  /** IANA time zone, e.g. `Europe/Berlin`. Unset: the hassler's default (`problems.hassle.timeZone`). */
  timeZone?: string;
  /** When bb does not remind them; false: never quiet. Unset: the hassler's default (`problems.hassle.quietHours`). */
  quietHours?: QuietHours | false;
  createdAt: number;
}

/** One identity that points at exactly one user. */
export type IdentityKind = 'email' | 'author' | 'irc' | 'matrix';
export interface Identity {
  kind: IdentityKind;
  value: string;
}

/** The index field of an identity: case-insensitive where the world is (addresses, IRC accounts). */
export function identityField(id: Identity): string {
  const v = id.kind === 'email' || id.kind === 'irc' ? id.value.toLowerCase() : id.value;
  return `${id.kind}:${v}`;
}

/** Every identity a user record claims. */
export function identitiesOf(u: User): Identity[] {
  return [
    ...u.emails.map((value) => ({ kind: 'email' as const, value })),
    ...u.authors.map((value) => ({ kind: 'author' as const, value })),
    ...(u.ircAccount ? [{ kind: 'irc' as const, value: u.ircAccount }] : []),
    ...(u.matrixId ? [{ kind: 'matrix' as const, value: u.matrixId }] : []),
  ];
}

/** Adds an identity to a copy of the user (no-op when it already has it). */
export function withIdentity(u: User, id: Identity): User {
  const next: User = { ...u, emails: [...u.emails], authors: [...u.authors] };
  if (id.kind === 'email' && !u.emails.some((e) => e.toLowerCase() === id.value.toLowerCase())) next.emails.push(id.value);
  if (id.kind === 'author' && !u.authors.includes(id.value)) next.authors.push(id.value);
  if (id.kind === 'irc') next.ircAccount = id.value;
  if (id.kind === 'matrix') next.matrixId = id.value;
  return next;
}

/**
 * A copy of the user with these addresses first, in the order given (the first is the preferred
 * one), then the addresses it had (compared case-insensitively, so none is listed twice).
 */
export function withPreferredEmails(u: User, emails: string[]): User {
  const first: string[] = [];
  for (const e of emails) if (!first.some((f) => f.toLowerCase() === e.toLowerCase())) first.push(e);
  const rest = u.emails.filter((e) => !first.some((f) => f.toLowerCase() === e.toLowerCase()));
  return { ...u, emails: [...first, ...rest], authors: [...u.authors] };
}

/**
 * Reads an identity as people write it: `irc:<account>`, `@user:server` (or `matrix:@user:server`),
 * `email:<address>` or a bare address, `author:<string>` or `Full Name <email>`. Null when it is
 * none of those.
 */
export function parseIdentity(text: string): Identity | null {
  const t = text.trim();
  if (/^irc:[^\s:]+$/i.test(t)) return { kind: 'irc', value: t.slice(4) };
  const mx = t.replace(/^matrix:/i, '');
  if (/^@[^\s:]+:[^\s]+$/.test(mx)) return { kind: 'matrix', value: mx };
  const mail = t.replace(/^email:/i, '');
  if (EMAIL_RE.test(mail)) return { kind: 'email', value: mail };
  if (/^author:./i.test(t)) return { kind: 'author', value: t.slice(7).trim() };
  if (/^[^<>]+<[^<>\s]+@[^<>\s]+>$/.test(t)) return { kind: 'author', value: t };
  return null;
}

export const EMAIL_RE = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
