import type { MatrixClient } from 'matrix-bot-sdk';

/** Power level from which a room member counts as an operator (Matrix clients call 50 "Moderator"). */
export const OPERATOR_LEVEL = 50;

/** Room versions whose creators have only the power `m.room.power_levels` gives them. */
const LEGACY_POWER_VERSIONS = new Set(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);

interface StateEvent {
  type: string;
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
}

/** Whether `userId` is a moderator or admin of the room. */
export async function isRoomOperator(client: MatrixClient, roomId: string, userId: string): Promise<boolean> {
  let state: StateEvent[];
  try {
    state = await client.getRoomState(roomId);
  } catch {
    return false;
  }
  return powerOf(state, userId) >= OPERATOR_LEVEL;
}

/**
 * A member's power level from the room state. From room version 12 on, the room's creators (the
 * create event's sender and `additional_creators`) outrank everyone and are not listed in
 * `m.room.power_levels`.
 */
export function powerOf(state: StateEvent[], userId: string): number {
  const find = (type: string) => state.find((e) => e.type === type && (e.state_key ?? '') === '');
  const create = find('m.room.create');
  const version = String(create?.content.room_version ?? '1');
  if (create && !LEGACY_POWER_VERSIONS.has(version)) {
    const extra = create.content.additional_creators;
    const creators = [create.sender, ...(Array.isArray(extra) ? extra : [])];
    if (creators.includes(userId)) return Number.POSITIVE_INFINITY;
  }
  const levels = find('m.room.power_levels')?.content ?? {};
  const users = (levels.users ?? {}) as Record<string, unknown>;
  const own = users[userId];
  if (typeof own === 'number') return own;
  return typeof levels.users_default === 'number' ? levels.users_default : 0;
}
