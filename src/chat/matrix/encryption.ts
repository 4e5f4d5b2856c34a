import type { MatrixClient } from 'matrix-bot-sdk';
import type { Logger } from '../../log.js';

export const ENCRYPTED_ROOM_NOTICE =
  'Sorry, I cannot work in encrypted rooms: end-to-end encryption is not supported. ' +
  'Talk to me in an unencrypted room, or in an unencrypted direct chat. I am leaving this room.';

/**
 * Keeps the bot out of encrypted rooms, which it cannot read (its SDK runs without a crypto
 * store, so nothing ever reaches the stubbed crypto module). A room found encrypted gets one plain
 * notice saying why, is left, and its messages are never handed on.
 */
export class EncryptionGuard {
  private readonly refused = new Set<string>();

  constructor(
    private readonly client: MatrixClient,
    private readonly log: Logger,
  ) {}

  /** Whether the room was found encrypted (its messages must be ignored). */
  has(roomId: string): boolean {
    return this.refused.has(roomId);
  }

  /** Reads each room's state and refuses the encrypted ones. */
  async check(roomIds: Iterable<string>): Promise<void> {
    for (const roomId of roomIds) {
      if (this.refused.has(roomId)) continue;
      try {
        if (await this.isEncrypted(roomId)) await this.refuse(roomId);
      } catch (err) {
        this.log.warn({ err, roomId }, 'cannot read matrix room encryption state');
      }
    }
  }

  /** The room is encrypted (its `m.room.encryption` state was seen): say so and leave, once. */
  async refuse(roomId: string): Promise<void> {
    if (this.refused.has(roomId)) return;
    this.refused.add(roomId);
    this.log.warn({ roomId }, 'leaving encrypted matrix room: encryption is not supported');
    try {
      await this.client.sendNotice(roomId, ENCRYPTED_ROOM_NOTICE);
    } finally {
      await this.client.leaveRoom(roomId, 'end-to-end encryption is not supported');
    }
  }

  private async isEncrypted(roomId: string): Promise<boolean> {
    try {
      await this.client.getRoomStateEvent(roomId, 'm.room.encryption', '');
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }
}
