import type { MatrixClient } from 'matrix-bot-sdk';
import type { Logger } from '../../log.js';
import { InviteGate } from './invite-policy.js';
import type { MatrixTransportOptions } from './options.js';

/**
 * The rooms the config names, by ID or alias: joins the configured ones, resolves aliases (lazily:
 * a listed room may be created after the bot starts), and answers whether an invite is allowed.
 */
export class RoomDirectory {
  private readonly gate: InviteGate;
  /** Aliases from the config not yet resolved to room IDs. */
  private readonly unresolved: Set<string>;
  private readonly ids = new Map<string, string>();

  constructor(private readonly opts: Pick<MatrixTransportOptions, 'rooms' | 'invites'>) {
    this.gate = new InviteGate(opts.invites);
    const named = [...(opts.rooms ?? []), ...(opts.invites?.rooms ?? [])];
    this.unresolved = new Set(named.filter((r) => r.startsWith('#')));
    for (const r of named) if (r.startsWith('!')) this.gate.addRoomId(r);
  }

  /** Joins the configured rooms; one that cannot be joined is logged, not fatal. */
  async joinConfigured(client: MatrixClient, log: Logger): Promise<void> {
    for (const room of this.opts.rooms ?? []) {
      try {
        const roomId = await client.joinRoom(room);
        this.gate.addRoomId(roomId);
        if (room.startsWith('#')) this.remember(room, roomId);
      } catch (err) {
        log.warn({ err, room }, 'cannot join configured matrix room');
      }
    }
    await this.resolvePending(client);
  }

  /** Whether `inviter` may invite the bot into `roomId`. */
  async mayInvite(client: MatrixClient, inviter: string, roomId: string): Promise<boolean> {
    if (this.gate.allows(inviter, roomId)) return true;
    await this.resolvePending(client);
    return this.gate.allows(inviter, roomId);
  }

  /** A room ID for a room ID or alias. */
  async roomIdOf(client: MatrixClient, target: string): Promise<string> {
    if (!target.startsWith('#')) return target;
    const known = this.ids.get(target);
    if (known) return known;
    const roomId = await client.resolveRoom(target);
    this.ids.set(target, roomId);
    return roomId;
  }

  private async resolvePending(client: MatrixClient): Promise<void> {
    for (const alias of [...this.unresolved]) {
      try {
        this.remember(alias, await client.resolveRoom(alias));
      } catch {
        // no such room yet; tried again on the next invite that no rule allows
      }
    }
  }

  private remember(alias: string, roomId: string): void {
    this.ids.set(alias, roomId);
    this.unresolved.delete(alias);
    this.gate.addRoomId(roomId);
  }
}
