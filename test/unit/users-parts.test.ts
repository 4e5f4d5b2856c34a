import { describe, expect, it } from 'vitest';
import { parseAuthor } from '../../src/users/author.js';
import { emailFor, maskEmail } from '../../src/users/email.js';
import { parseIdentity, type User } from '../../src/model/user.js';
import { codeMatches, hashCode, newCode, newSalt } from '../../src/users/codes.js';
import { usersSchema } from '../../src/config/schema.js';
import { ChatAuthorizer } from '../../src/chat/authz.js';
import type { CommandSpec } from '../../src/chat/command.js';
import type { ChatMessage } from '../../src/chat/transport.js';
import type { ClaimRecord } from '../../src/model/claim.js';

const user = (u: Partial<User>): User => ({ name: 'warner', emails: [], authors: [], createdAt: 0, ...u });

describe('users: parts', () => {
  it('reads author strings', () => {
    expect(parseAuthor('Brian Warner <warner@lothar.com>')).toEqual({ fullName: 'Brian Warner', email: 'warner@lothar.com', suggestedName: 'warner' });
    expect(parseAuthor('<First.Last@x.org>')).toEqual({ email: 'First.Last@x.org', suggestedName: 'first.last' });
    expect(parseAuthor('svnuser')).toEqual({ suggestedName: 'svnuser' });
    expect(parseAuthor('Jane Doe <not-an-address>')).toEqual({ fullName: 'Jane Doe', suggestedName: 'jane.doe' });
    expect(parseAuthor('<<>>').suggestedName).toBeNull();
  });

  it('finds an address: the email attribute, else the author string, else the configured domain', () => {
    expect(emailFor(user({ emails: ['b@x.org'], authors: ['B <a@y.org>'] }), { emailDomain: 'example.org' })).toBe('b@x.org');
    expect(emailFor(user({ authors: ['svnuser', 'B <a@y.org>'] }), { emailDomain: 'example.org' })).toBe('a@y.org');
    expect(emailFor(user({ authors: ['svnuser'] }), { emailDomain: 'example.org' })).toBe('warner@example.org');
    expect(emailFor(user({ authors: ['svnuser'] }))).toBeNull();
    expect(maskEmail('warner@example.org')).toBe('w***@example.org');
  });

  it('reads identities as admins write them', () => {
    expect(parseIdentity('irc:Warner')).toEqual({ kind: 'irc', value: 'Warner' });
    expect(parseIdentity('@alice:example.org')).toEqual({ kind: 'matrix', value: '@alice:example.org' });
    expect(parseIdentity('matrix:@alice:example.org')).toEqual({ kind: 'matrix', value: '@alice:example.org' });
    expect(parseIdentity('email:a@b.org')).toEqual({ kind: 'email', value: 'a@b.org' });
    expect(parseIdentity('a@b.org')).toEqual({ kind: 'email', value: 'a@b.org' });
    expect(parseIdentity('Brian Warner <warner@lothar.com>')).toEqual({ kind: 'author', value: 'Brian Warner <warner@lothar.com>' });
    expect(parseIdentity('author:svnuser')).toEqual({ kind: 'author', value: 'svnuser' });
    expect(parseIdentity('warner')).toBeNull();
  });

  it('codes are random, stored only as a salted hash, and typed in any case', () => {
    const code = newCode();
    expect(code).toMatch(/^[A-HJKMNP-Z2-9]{8}$/);
    expect(newCode()).not.toBe(code);
    const salt = newSalt();
    const hash = hashCode(code, salt);
    expect(hash).not.toContain(code);
    expect(codeMatches(code.toLowerCase(), salt, hash)).toBe(true);
    expect(codeMatches(`${code.slice(0, 4)}-${code.slice(4)}`, salt, hash)).toBe(true);
    expect(codeMatches('AAAAAAAA', salt, hash)).toBe(false);
    expect(codeMatches(code, newSalt(), hash)).toBe(false);
  });

  it('smtp requires TLS by default, except to a loopback host', () => {
    const smtp = (host: string, extra = {}) => usersSchema.parse({ smtp: { host, from: 'bb@example.org', ...extra } }).smtp!;
    expect(smtp('mail.example.org')).toMatchObject({ port: 587, secure: false, requireTLS: true, rejectUnauthorized: true });
    expect(smtp('127.0.0.1')).toMatchObject({ requireTLS: false });
    expect(smtp('mail.example.org', { secure: true })).toMatchObject({ port: 465 });
    expect(smtp('localhost', { requireTLS: true })).toMatchObject({ requireTLS: true });
    expect(usersSchema.safeParse({ emailDomain: 'not a domain' }).success).toBe(false);
  });
});

describe('chat authorization by a verified claim to a bb user', () => {
  const force = { name: 'force build', permission: 'dangerous' } as CommandSpec;
  const msg: ChatMessage = { transport: 'irc', channel: '#dev', replyTo: '#dev', sender: 'zooko', account: 'zooko', text: 'bb: force', isDirect: false };
  const claim = (c: Partial<ClaimRecord>): ClaimRecord => ({ user: 'zooko', claimedAt: 0, verified: true, account: 'zooko', sender: 'zooko', transport: 'irc', ...c });
  const authz = (c: ClaimRecord | null, users = ['zooko']) => new ChatAuthorizer({ everyone: false, users, ircChannelOps: [] }, () => undefined, async () => c);

  it('grants a verified claim to a listed user, made from the same account', async () => {
    expect(await authz(claim({})).deny(force, msg)).toBeNull();
    expect(await authz(claim({ account: 'ZOOKO' })).deny(force, msg)).toBeNull();
  });

  it('denies an unverified claim, a claim to an unlisted user, a claim from another account, and a bare nick', async () => {
    expect(await authz(claim({ verified: false })).deny(force, msg)).toMatch(/your claim to be zooko is not verified yet/);
    expect(await authz(claim({ user: 'other' })).deny(force, msg)).toMatch(/ask an admin to add irc:zooko/);
    expect(await authz(claim({ account: 'mallory' })).deny(force, msg)).not.toBeNull();
    expect(await authz(claim({})).deny(force, { ...msg, account: null })).toMatch(/log in to services/);
    // A bb user name in the list is not an IRC account: the account zooko alone grants nothing.
    expect(await authz(null).deny(force, msg)).not.toBeNull();
  });
});

describe('users config checks', () => {
  it('wants the SMTP password one way, and its environment variable set', async () => {
    const { checkUsers } = await import('../../src/config/checks/users.js');
    const cfg = (pass: unknown) => ({ users: { smtp: { host: 'h', from: 'f@x.org', auth: { user: 'u', pass } } } });
    expect(checkUsers(cfg({ value: 'p' }), {})).toEqual([]);
    expect(checkUsers(cfg({ env: 'SMTP_PW' }), { SMTP_PW: 'secret' })).toEqual([]);
    expect(checkUsers(cfg({ env: 'SMTP_PW' }), {})).toEqual([{ at: ['users', 'smtp', 'auth', 'pass', 'env'], message: 'the environment variable SMTP_PW is not set' }]);
    expect(checkUsers(cfg({}), {})[0]?.message).toMatch(/give exactly one of value or env \(none is set\)/);
  });
});
