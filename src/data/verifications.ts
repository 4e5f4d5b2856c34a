import type { ClaimantKey, PendingVerification } from '../model/claim.js';
import type { Store } from './store.js';

// The record outlives its code by a day, so "expired" can be told apart from "never asked".
const GRACE_MS = 24 * 3600_000;

function key(store: Store, k: ClaimantKey): string {
  return store.keys.chatVerify(k.transport, k.kind, k.id);
}

/** Stores (replacing) the identity's pending verification. */
export async function putPending(store: Store, k: ClaimantKey, p: PendingVerification): Promise<void> {
  const ttl = Math.max(1, p.expiresAt - Date.now()) + GRACE_MS;
  await store.redis
    .multi()
    .del(key(store, k))
    .hset(key(store, k), { user: p.user, email: p.email, salt: p.salt, hash: p.hash, expiresAt: String(p.expiresAt), attempts: '0' })
    .pexpire(key(store, k), ttl)
    .exec();
}

export async function getPending(store: Store, k: ClaimantKey): Promise<PendingVerification | null> {
  const h = await store.redis.hgetall(key(store, k));
  if (!h.user || !h.hash || !h.salt) return null;
  return { user: h.user, email: h.email ?? '', salt: h.salt, hash: h.hash, expiresAt: Number(h.expiresAt), attempts: Number(h.attempts ?? 0) };
}

/** Counts one more wrong code; returns the count (atomic, so parallel guesses are all counted). */
export async function addAttempt(store: Store, k: ClaimantKey): Promise<number> {
  return store.redis.hincrby(key(store, k), 'attempts', 1);
}

export async function dropPending(store: Store, k: ClaimantKey): Promise<void> {
  await store.redis.del(key(store, k));
}

/** Counts a claim by this identity; returns how many it made in the current hour. */
export async function countClaim(store: Store, k: ClaimantKey): Promise<number> {
  const hk = store.keys.chatClaimsHour(k.transport, k.kind, k.id);
  const [[, n]] = (await store.redis.multi().incr(hk).expire(hk, 3600, 'NX').exec()) as [[Error | null, number], unknown];
  return n;
}
