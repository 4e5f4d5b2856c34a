import type { MatrixInvitePolicy } from './options.js';

/**
 * Decides whose invites the bot accepts: listed users (or everyone on a listed homeserver, written
 * `*:server`), or anyone inviting into a listed room. Room aliases must be resolved to IDs by the
 * caller (`addRoomId`), since an invite names the room only by ID.
 */
export class InviteGate {
  private readonly users = new Set<string>();
  private readonly servers = new Set<string>();
  private readonly roomIds = new Set<string>();

  constructor(policy: MatrixInvitePolicy = {}) {
    for (const u of policy.users ?? []) {
      if (u.startsWith('*:')) this.servers.add(u.slice(2).toLowerCase());
      else this.users.add(u);
    }
    for (const r of policy.rooms ?? []) if (r.startsWith('!')) this.roomIds.add(r);
  }

  addRoomId(roomId: string): void {
    this.roomIds.add(roomId);
  }

  allows(inviter: string, roomId: string): boolean {
    if (this.roomIds.has(roomId) || this.users.has(inviter)) return true;
    return this.servers.has(serverOf(inviter));
  }
}

/** The server part of a Matrix ID (`@a:example.org:8448` → `example.org:8448`), lower-cased. */
export function serverOf(userId: string): string {
  const at = userId.indexOf(':');
  return at < 0 ? '' : userId.slice(at + 1).toLowerCase();
}
