import type { MatrixClient } from 'matrix-bot-sdk';
import type { Logger } from '../../log.js';

/**
 * Direct-message rooms, kept by the SDK in the account's `m.direct` data on the homeserver (so the
 * map survives restarts and lost local storage). Adds what the SDK lacks: one creation at a time
 * per user, and a stale entry (a DM invite the bot rejected, or a room it was removed from) is
 * dropped from the map and replaced, instead of sending into a room the bot is not in.
 */
export class DirectRooms {
  private readonly pending = new Map<string, Promise<string>>();
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly client: MatrixClient,
    private readonly log: Logger,
  ) {}

  /** The DM room with `userId`, created (and the user invited) when there is none. */
  roomFor(userId: string): Promise<string> {
    const running = this.pending.get(userId);
    if (running) return running;
    const job = this.findOrCreate(userId).finally(() => this.pending.delete(userId));
    this.pending.set(userId, job);
    return job;
  }

  /** A room counts as direct when the DM map says so or when only the bot and one other are in it. */
  async isDirect(roomId: string): Promise<boolean> {
    if (this.client.dms.isDm(roomId)) return true;
    let size = this.sizes.get(roomId);
    if (size === undefined) {
      size = (await this.client.getJoinedRoomMembers(roomId)).length;
      this.sizes.set(roomId, size);
    }
    return size === 2;
  }

  /** Membership changed in the room: its size must be read again. */
  forgetSize(roomId: string): void {
    this.sizes.delete(roomId);
  }

  private async findOrCreate(userId: string): Promise<string> {
    const roomId = await this.client.dms.getOrCreateDm(userId);
    if (await this.usable(roomId)) return roomId;
    this.log.info({ roomId, userId }, 'dropping stale matrix DM room');
    await this.dropFromMap(userId, roomId);
    return this.client.dms.getOrCreateDm(userId);
  }

  private async usable(roomId: string): Promise<boolean> {
    const joined = await this.client.getJoinedRooms();
    if (joined.includes(roomId)) return true;
    try {
      await this.client.joinRoom(roomId);
      return true;
    } catch (err) {
      // Only the homeserver's refusal makes the room stale; a network failure (the homeserver is
      // down) is thrown, so that an outage never leads to a second DM room.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 429) return false;
      throw err;
    }
  }

  private async dropFromMap(userId: string, roomId: string): Promise<void> {
    const map = (await this.client.getSafeAccountData('m.direct', {})) as Record<string, string[]>;
    const rooms = (map[userId] ?? []).filter((r) => r !== roomId);
    if (rooms.length) map[userId] = rooms;
    else delete map[userId];
    await this.client.setAccountData('m.direct', map);
    await this.client.dms.update();
  }
}
