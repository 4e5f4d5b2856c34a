import type { ClaimantKey, ClaimRecord } from '../model/claim.js';
import type { Store } from './store.js';

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
