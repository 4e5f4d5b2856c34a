import type { MatrixClient } from 'matrix-bot-sdk';

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
