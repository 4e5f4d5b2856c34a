import { getClaim, putClaim, type ClaimantKey, type ClaimRecord } from '../data/claims.js';
import type { Store } from '../data/store.js';
import { USER_NAME_RE, type IdentityApi, type WhoAmI } from './identity.js';
import type { ChatMessage } from './transport.js';

/**
 * Identities kept in the store: a claim is filed under the sender's verified account when there
 * is one, else under the nick, so it survives restarts and a nick's claim never passes for an
 * account's.
 */
export class StoreIdentity implements IdentityApi {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(message: ChatMessage, user: string): Promise<ClaimRecord> {
    if (!USER_NAME_RE.test(user)) throw new Error(`not a bb user name: ${JSON.stringify(user)}`);
    return putClaim(this.store, claimantOf(message), {
      user,
      claimedAt: this.now(),
      verified: false,
      account: message.account,
      sender: message.sender,
      transport: message.transport,
    });
  }

  async whoami(message: ChatMessage): Promise<WhoAmI> {
    return {
      transport: message.transport,
      sender: message.sender,
      account: message.account,
      claim: await getClaim(this.store, claimantOf(message)),
    };
  }
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
