import type { ClaimRecord } from '../model/claim.js';
import type { ChatMessage, TransportKind } from './transport.js';

export type { ClaimRecord };
export { USER_NAME_RE } from '../model/user.js';

/** What bb knows about the person behind a chat message. */
export interface WhoAmI {
  transport: TransportKind;
  /** Nick (IRC), user id (Matrix), local user (shell). */
  sender: string;
  /** The verified account: IRC services account, Matrix user id; null when not logged in. */
  account: string | null;
  /** The bb user this identity claims to be, if it made a claim. */
  claim: ClaimRecord | null;
  /** A code was mailed for the claim and not yet confirmed. */
  awaitingCode: boolean;
}

/** The answer to `i am user <name>`: a code went out (to the masked address), or why not. */
export type ClaimOutcome = { ok: true; claim: ClaimRecord; mailedTo: string } | { ok: false; problem: string };

/** The answer to `verify <code>`. */
export type VerifyOutcome = { ok: true; claim: ClaimRecord } | { ok: false; problem: string };

/** Who people on chat are, and who they say they are. Reached by commands as `api.identity`. */
export interface IdentityApi {
  /**
   * Starts a claim that the sender is bb user `user`: records it unverified (it grants nothing)
   * and mails a one-time code to the user's address.
   */
  claim(message: ChatMessage, user: string): Promise<ClaimOutcome>;
  /** Completes the sender's claim with the mailed code. */
  verify(message: ChatMessage, code: string): Promise<VerifyOutcome>;
  whoami(message: ChatMessage): Promise<WhoAmI>;
  /**
   * `forget me`: drops the sender's claim and any code waiting for it, and unlinks their chat
   * account from the bb user it was linked to. Says what was forgotten (empty when nothing was).
   */
  /** `declared`: the account is given to this bb user in `users.people`, so it stays linked. */
  forget(message: ChatMessage): Promise<{ claim: string | null; unlinked: string | null; declared?: string }>;
}
