import type { MatrixClient } from 'matrix-bot-sdk';
import type { Presence } from '../transport.js';

/**
 * Seconds since the user was last active, 0 while the homeserver says they are active, or null
 * when it cannot tell: presence disabled, no shared room (403), unknown user, or no timestamp.
 */
export async function idleSecondsOf(client: MatrixClient, userId: string): Promise<number | null> {
  let presence: { currentlyActive?: boolean; lastActiveAgo?: number; state?: string };
  try {
    presence = await client.getPresenceStatusFor(userId);
  } catch {
    return null;
  }
  return idleSecondsFrom(presence);
}

export function idleSecondsFrom(p: { currentlyActive?: boolean; lastActiveAgo?: number; state?: string }): number | null {
  if (p.currentlyActive === true) return 0;
  if (typeof p.lastActiveAgo !== 'number' || p.lastActiveAgo < 0) return null;
  return Math.floor(p.lastActiveAgo / 1000);
}

/**
 * The homeserver's presence of `userId`: `online`, `unavailable` (away) or `offline`, and how long
 * ago they were active. Null when it cannot tell (presence disabled, no shared room, unknown user).
 */
export async function presenceOf(client: MatrixClient, userId: string): Promise<Presence | null> {
  try {
    const p = await client.getPresenceStatusFor(userId);
    return presenceFrom(userId, p);
  } catch {
    return null;
  }
}

export function presenceFrom(userId: string, p: { currentlyActive?: boolean; lastActiveAgo?: number; state?: string }): Presence | null {
  if (p.state !== 'online' && p.state !== 'unavailable' && p.state !== 'offline') return null;
  return { online: p.state !== 'offline', away: p.state === 'unavailable', idleSeconds: idleSecondsFrom(p), account: userId };
}
