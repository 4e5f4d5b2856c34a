import type { ClaimantKey, PendingVerification } from '../model/claim.js';
import type { Db } from './db.js';

// The record outlives its code by a day, so "expired" can be told apart from "never asked".
const GRACE_MS = 24 * 3600_000;


/** Claims waiting for their mailed code (db:chat:verify:…) and the claims-per-hour counter (db:chat:claims-hour:…). */
export class VerificationsRepo {
  constructor(private readonly db: Db) {}

  private key(k: ClaimantKey): string {
    return this.db.keys.chatVerify(k.transport, k.kind, k.id);
  }

  /** Stores (replacing) the identity's pending verification. */
  async put(k: ClaimantKey, p: PendingVerification): Promise<void> {
    const ttl = Math.max(1, p.expiresAt - Date.now()) + GRACE_MS;
    await this.db
      .multi()
      .del(this.key(k))
      .hset(this.key(k), { user: p.user, email: p.email, salt: p.salt, hash: p.hash, expiresAt: String(p.expiresAt), attempts: '0' })
      .pexpire(this.key(k), ttl)
      .exec();
  }

  async get(k: ClaimantKey): Promise<PendingVerification | null> {
    const h = await this.db.redis.hgetall(this.key(k));
    if (!h.user || !h.hash || !h.salt) return null;
    return { user: h.user, email: h.email ?? '', salt: h.salt, hash: h.hash, expiresAt: Number(h.expiresAt), attempts: Number(h.attempts ?? 0) };
  }

  /** Counts one more wrong code; returns the count (atomic, so parallel guesses are all counted). */
  async addAttempt(k: ClaimantKey): Promise<number> {
    return Number(await this.db.write((m) => m.hincrby(this.key(k), 'attempts', 1)));
  }

  async drop(k: ClaimantKey): Promise<void> {
    await this.db.write((m) => m.del(this.key(k)));
  }

  /** Counts a claim by this identity; returns how many it made in the current hour. */
  async countClaim(k: ClaimantKey): Promise<number> {
    const hk = this.db.keys.chatClaimsHour(k.transport, k.kind, k.id);
    const [[, n]] = (await this.db.multi().incr(hk).expire(hk, 3600, 'NX').exec()) as [[Error | null, number], unknown];
    return n;
  }
}
