import type { Store } from './store.js';

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
  /** The verified account the claim was made from, or null when the sender was not logged in. */
  account: string | null;
  /** The nick or id the claim was said by. */
  sender: string;
  transport: string;
}

/** Stores a claim (replacing the identity's earlier one), then publishes it. */
export async function putClaim(store: Store, key: ClaimantKey, claim: ClaimRecord): Promise<ClaimRecord> {
  await store.redis.set(store.keys.chatClaim(key.transport, key.kind, key.id), JSON.stringify(claim));
  store.bus.emit('user.claimed', claim);
  return claim;
}

export async function getClaim(store: Store, key: ClaimantKey): Promise<ClaimRecord | null> {
  const raw = await store.redis.get(store.keys.chatClaim(key.transport, key.kind, key.id));
  return raw ? (JSON.parse(raw) as ClaimRecord) : null;
}
