import { type ClaimantKey, type ClaimRecord } from '../model/claim.js';
import type { Store } from '../data/store.js';
import type { UsersConfig } from '../config/schema.js';
import { codeMatches, hashCode, newCode, newSalt } from '../users/codes.js';
import { emailFor, maskEmail } from '../users/email.js';
import type { Mailer } from '../users/mailer.js';
import { withIdentity } from '../model/user.js';
import { USER_NAME_RE, type ClaimOutcome, type IdentityApi, type VerifyOutcome, type WhoAmI } from './identity.js';
import type { ChatMessage } from './transport.js';

export interface IdentityOptions {
  /** `users` of the master config (email domain; declared people, whose accounts `forget me` leaves linked). */
  users?: Pick<UsersConfig, 'emailDomain'> & { people?: UsersConfig['people'] };
  /** How codes are mailed; without one, claims cannot be verified. */
  mailer?: Mailer;
  /** The name people address the bot by, for the instructions in replies. */
  botName?: string;
  /** How long a mailed code counts. Default 30 minutes. */
  codeTtlMs?: number;
  /** Wrong codes before the claim is void. Default 5. */
  maxAttempts?: number;
  /** Claims (codes mailed) per identity per hour. Default 5. */
  claimsPerHour?: number;
  now?: () => number;
}

/**
 * Identities kept in the store. A claim (`i am user warner`) is filed under the sender's verified
 * account: an IRC services account (so the speaker must be logged in) or a Matrix id (the
 * homeserver vouches for it); the shell is the local operator. The claim stays unverified, and
 * grants nothing, until the sender says the one-time code bb mailed to warner's address.
 */
export class StoreIdentity implements IdentityApi {
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly o: IdentityOptions = {},
  ) {
    this.now = o.now ?? Date.now;
  }

  async claim(message: ChatMessage, user: string): Promise<ClaimOutcome> {
    if (!USER_NAME_RE.test(user)) return { ok: false, problem: `"${user}" is not a bb user name (letters, digits, '.', '_' or '-')` };
    if (message.transport === 'irc' && !message.account) {
      return { ok: false, problem: 'log in to services first (NickServ or SASL): a claim belongs to your services account, never to a bare nick.' };
    }
    const key = claimantOf(message);
    const known = await this.store.users.get(user);
    const admin = `an admin can add one with "bb user link ${user} email:<address>"`;
    if (!known) return { ok: false, problem: `bb knows no user ${user}; an admin can add one with "bb user add ${user} --email <address>".` };
    const email = emailFor(known, this.o.users);
    if (!email) return { ok: false, problem: `bb knows no email address for ${user}, so it cannot mail a code; ${admin}.` };
    if (!this.o.mailer) return { ok: false, problem: 'this bb cannot send mail (no users.smtp in its config), so claims cannot be verified; ask an admin.' };
    const limit = this.o.claimsPerHour ?? 5;
    if ((await this.store.verifications.countClaim(key)) > limit) return { ok: false, problem: `too many claims from you this hour (at most ${limit}); try again later.` };

    const code = newCode();
    const salt = newSalt();
    const expiresAt = this.now() + (this.o.codeTtlMs ?? 30 * 60_000);
    await this.store.verifications.put(key, { user, email, salt, hash: hashCode(code, salt), expiresAt, attempts: 0 });
    const claim = await this.store.claims.put(key, {
      user,
      claimedAt: this.now(),
      verified: false,
      account: message.account,
      sender: message.sender,
      transport: message.transport,
    });
    try {
      await this.o.mailer.send({ to: email, subject: `bb: your code to confirm you are ${user}`, text: mailText(code, user, message, this.o) });
    } catch (err) {
      await this.store.verifications.drop(key);
      return { ok: false, problem: `could not mail the code to ${maskEmail(email)}: ${err instanceof Error ? err.message : String(err)}` };
    }
    return { ok: true, claim, mailedTo: maskEmail(email) };
  }

  async verify(message: ChatMessage, code: string): Promise<VerifyOutcome> {
    const key = claimantOf(message);
    const again = `say "${this.o.botName ?? 'bb'}: i am user <name>" again for a new code`;
    const pending = await this.store.verifications.get(key);
    if (!pending) return { ok: false, problem: `you have no claim waiting for a code (codes are only good from the account that made the claim); ${again}.` };
    if (this.now() > pending.expiresAt) {
      await this.store.verifications.drop(key);
      return { ok: false, problem: `that code has expired; ${again}.` };
    }
    const max = this.o.maxAttempts ?? 5;
    if (!codeMatches(code, pending.salt, pending.hash)) {
      const tries = await this.store.verifications.addAttempt(key);
      if (tries >= max) {
        await this.store.verifications.drop(key);
        return { ok: false, problem: `wrong code, and that was the last try: this claim is void; ${again}.` };
      }
      return { ok: false, problem: `wrong code (${max - tries} ${max - tries === 1 ? 'try' : 'tries'} left).` };
    }
    await this.store.verifications.drop(key);
    const current = await this.store.claims.get(key);
    const claim = await this.store.claims.putVerified(key, {
      user: pending.user,
      claimedAt: current?.user === pending.user ? current.claimedAt : this.now(),
      verified: true,
      verifiedAt: this.now(),
      email: pending.email,
      account: message.account,
      sender: message.sender,
      transport: message.transport,
    });
    await this.remember(pending.user, message);
    return { ok: true, claim };
  }

  async whoami(message: ChatMessage): Promise<WhoAmI> {
    const key = claimantOf(message);
    return {
      transport: message.transport,
      sender: message.sender,
      account: message.account,
      claim: (await this.store.claims.get(key)) ?? (await this.linked(message)),
      awaitingCode: (await this.store.verifications.get(key)) !== null,
    };
  }

  async forget(message: ChatMessage): Promise<{ claim: string | null; unlinked: string | null; declared?: string }> {
    const key = claimantOf(message);
    const claim = await this.store.claims.get(key);
    await this.store.claims.drop(key);
    await this.store.verifications.drop(key);
    let unlinked: string | null = null;
    // An account the config gives to a person stays theirs (the config wins; the next reload would link it again).
    const acct = message.account?.toLowerCase();
    const declared = this.o.users?.people?.find((p) => (message.transport === 'irc' ? p.irc?.account?.toLowerCase() === acct : message.transport === 'matrix' && p.matrix === message.account));
    if (acct && declared) return { claim: claim?.user ?? null, unlinked: null, declared: declared.name };
    if (message.account && (message.transport === 'irc' || message.transport === 'matrix')) {
      const kind = message.transport;
      unlinked = await this.store.users.withLock(async () => {
        const u = await this.store.users.byIdentity({ kind, value: message.account! });
        if (!u) return null;
        const next = { ...u };
        if (kind === 'irc') {
          delete next.ircAccount;
          delete next.ircNick;
        } else delete next.matrixId;
        await this.store.users.put(next);
        return u.name;
      });
    }
    return { claim: claim?.user ?? null, unlinked };
  }

  /**
   * A verified account an admin linked to a user (`bb user link warner irc:warner`, or
   * `--irc-account` / `--matrix` on `bb user add`) counts as a verified claim: the admin vouched.
   */
  private async linked(m: ChatMessage): Promise<ClaimRecord | null> {
    if (!m.account || (m.transport !== 'irc' && m.transport !== 'matrix')) return null;
    const user = await this.store.users.byIdentity({ kind: m.transport, value: m.account });
    if (!user) return null;
    return { user: user.name, claimedAt: user.createdAt, verified: true, verifiedAt: user.createdAt, account: m.account, sender: m.sender, transport: m.transport };
  }

  /** A verified chat identity becomes one of the user's identities (unless it is someone else's). */
  private async remember(name: string, m: ChatMessage): Promise<void> {
    if (!m.account || (m.transport !== 'irc' && m.transport !== 'matrix')) return;
    await this.store.users.withLock(async () => {
      const u = await this.store.users.get(name);
      if (!u) return;
      const next = withIdentity(u, { kind: m.transport === 'irc' ? 'irc' : 'matrix', value: m.account! });
      if (m.transport === 'irc') next.ircNick = m.sender;
      await this.store.users.put(next).catch(() => undefined);
    });
  }
}

function mailText(code: string, user: string, m: ChatMessage, o: IdentityOptions): string {
  const who = m.account ?? m.sender;
  const minutes = Math.round((o.codeTtlMs ?? 30 * 60_000) / 60_000);
  return [
    `Someone on ${m.transport} (${who}) says they are bb user ${user}.`,
    '',
    `If that was you, say this to ${o.botName ?? 'bb'} from the same account within ${minutes} minutes:`,
    '',
    `    verify ${code}`,
    '',
    'If it was not you, ignore this mail; the claim grants nothing without the code.',
  ].join('\n');
}

/** The key a message's sender files claims under. */
export function claimantOf(message: ChatMessage): ClaimantKey {
  const id = message.account ?? message.sender;
  return {
    transport: message.transport,
    kind: message.account ? 'account' : 'nick',
    id: message.transport === 'irc' ? id.toLowerCase() : id,
  };
}
