import type { ClaimRecord } from '../data/claims.js';
import type { ChatMessage, TransportKind } from './transport.js';

export type { ClaimRecord };

/** A bb user name as claimed in chat: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit. */
export const USER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What bb knows about the person behind a chat message. */
export interface WhoAmI {
  transport: TransportKind;
  /** Nick (IRC), user id (Matrix), local user (shell). */
  sender: string;
  /** The verified account: IRC services account, Matrix user id; null when not logged in. */
  account: string | null;
  /** The bb user this identity claims to be, if it made a claim. */
  claim: ClaimRecord | null;
}

/** Who people on chat are, and who they say they are. Reached by commands as `api.identity`. */
export interface IdentityApi {
  /** Records that the sender claims to be bb user `user` (unverified; it grants nothing yet). */
  claim(message: ChatMessage, user: string): Promise<ClaimRecord>;
  whoami(message: ChatMessage): Promise<WhoAmI>;
}
