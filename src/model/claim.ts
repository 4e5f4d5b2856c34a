/** Who a chat identity says it is, and the claim waiting for its mailed code. Pure types. */

/** Which chat identity a claim belongs to: a verified account when there is one, else a nick. */
export interface ClaimantKey {
  transport: string;
  kind: 'account' | 'nick';
  /** The account or nick, lower-cased on IRC (nicks and accounts are case-insensitive there). */
  id: string;
}

/**
 * What a chat identity says about who it is (`i am user warner`). Recorded unverified; the
 * verification flow (services account or Matrix id, plus a code mailed to the user) sets
 * `verified` later. An unverified claim grants nothing.
 */
export interface ClaimRecord {
  /** The bb user claimed. */
  user: string;
  /** Epoch ms. */
  claimedAt: number;
  verified: boolean;
  /** Epoch ms the mailed code was confirmed. */
  verifiedAt?: number;
  /** The address the code went to. */
  email?: string;
  /** The verified account the claim was made from, or null when the sender was not logged in. */
  account: string | null;
  /** The nick or id the claim was said by. */
  sender: string;
  transport: string;
}

/** A claim waiting for the code mailed to the claimed user. The code itself is never stored. */
export interface PendingVerification {
  user: string;
  email: string;
  salt: string;
  hash: string;
  /** Epoch ms after which the code no longer counts. */
  expiresAt: number;
  /** Wrong codes tried so far. */
  attempts: number;
}
