import type { CommandSpec } from '../src/chat/command.js';
import { audienceOf, describeAudience } from '../src/chat/kit.js';

/** `unmute`: announcements resume as subscribed. */
export const unmuteCommand: CommandSpec = {
  name: 'unmute',
  usage: '',
  summary: 'resume announcements in this channel (in a DM: yours)',
  permission: 'channel',
  maxArgs: 0,
  async run({ api, message }) {
    const audience = audienceOf(message);
    const where = describeAudience(audience);
    const changed = await api.act('mute', { audience, muted: false, by: message.account ?? `${message.transport}:${message.sender}` });
    const events = await api.subscriptions.events(audience);
    const hears = events.length ? `subscribed to ${events.join(', ')}` : `nothing is subscribed; say "${api.botName}: notify on" to choose`;
    return changed ? `Unmuted ${where}: ${hears}.` : `Not muted; ${hears}.`;
  },
};
