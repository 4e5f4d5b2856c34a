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

/** Stores a claim (replacing the identity's earlier one), then publishes it. */
export async function putClaim(store: Store, key: ClaimantKey, claim: ClaimRecord): Promise<ClaimRecord> {
  await store.redis.set(store.keys.chatClaim(key.transport, key.kind, key.id), JSON.stringify(claim));
  store.bus.emit('user.claimed', claim);
  return claim;
}

/** Stores a claim confirmed with its mailed code, then publishes `user.verified`. */
export async function putVerifiedClaim(store: Store, key: ClaimantKey, claim: ClaimRecord): Promise<ClaimRecord> {
  await store.redis.set(store.keys.chatClaim(key.transport, key.kind, key.id), JSON.stringify(claim));
  store.bus.emit('user.verified', claim);
  return claim;
}

/**
 * A removed user grants nothing any more: every verified claim to `user` becomes unverified
 * (found by scanning the claims; removing a user is rare). Returns how many were voided.
 */
export async function voidClaimsTo(store: Store, user: string): Promise<number> {
  let voided = 0;
  let cursor = '0';
  do {
    const [next, keys] = await store.redis.scan(cursor, 'MATCH', `${store.keys.db}:chat:claim:*`, 'COUNT', 500);
    cursor = next;
    for (const k of keys) {
      const raw = await store.redis.get(k);
      const claim = raw ? (JSON.parse(raw) as ClaimRecord) : null;
      if (!claim || claim.user !== user || !claim.verified) continue;
      const { verifiedAt: _v, ...rest } = claim;
      await store.redis.set(k, JSON.stringify({ ...rest, verified: false }));
      voided++;
    }
  } while (cursor !== '0');
  return voided;
}

export async function getClaim(store: Store, key: ClaimantKey): Promise<ClaimRecord | null> {
  const raw = await store.redis.get(store.keys.chatClaim(key.transport, key.kind, key.id));
  return raw ? (JSON.parse(raw) as ClaimRecord) : null;
}

/** Forgets what a chat identity claimed (verified or not), then publishes `user.forgotten`. True when there was a claim. */
export async function dropClaim(store: Store, key: ClaimantKey): Promise<boolean> {
  const k = store.keys.chatClaim(key.transport, key.kind, key.id);
  const raw = await store.redis.get(k);
  const gone = (await store.redis.del(k)) > 0;
  if (raw) store.bus.emit('user.forgotten', JSON.parse(raw) as ClaimRecord);
  return gone;
}
