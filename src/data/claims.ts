import type { ClaimantKey, ClaimRecord } from '../model/claim.js';
import type { Db } from './db.js';

/** What chat identities claim to be (db:chat:claim:…). */
export class ClaimsRepo {
  constructor(private readonly db: Db) {}

  /** Stores a claim (replacing the identity's earlier one). Nothing in bb listens for claims, so none is published. */
  async put(key: ClaimantKey, claim: ClaimRecord): Promise<ClaimRecord> {
    await this.db.write((m) => m.set(this.db.keys.chatClaim(key.transport, key.kind, key.id), JSON.stringify(claim)));
    return claim;
  }

  /** Stores a claim confirmed with its mailed code. */
  putVerified(key: ClaimantKey, claim: ClaimRecord): Promise<ClaimRecord> {
    return this.put(key, claim);
  }

  /**
   * A removed user grants nothing any more: every verified claim to `user` becomes unverified
   * (found by scanning the claims; removing a user is rare). Returns how many were voided.
   */
  async voidTo(user: string): Promise<number> {
    let voided = 0;
    for (const k of await this.db.scanKeys(this.db.keys.chatClaimPattern)) {
      const claim = await this.db.getJson<ClaimRecord>(k);
      if (!claim || claim.user !== user || !claim.verified) continue;
      const { verifiedAt: _v, ...rest } = claim;
      await this.db.write((m) => m.set(k, JSON.stringify({ ...rest, verified: false })));
      voided++;
    }
    return voided;
  }

  async get(key: ClaimantKey): Promise<ClaimRecord | null> {
    const raw = await this.db.redis.get(this.db.keys.chatClaim(key.transport, key.kind, key.id));
    return raw ? (JSON.parse(raw) as ClaimRecord) : null;
  }

  /** Forgets what a chat identity claimed (verified or not). True when there was a claim. */
  async drop(key: ClaimantKey): Promise<boolean> {
    const k = this.db.keys.chatClaim(key.transport, key.kind, key.id);
    const gone = Number(await this.db.write((m) => m.del(k))) > 0;
    return gone;
  }
}
