import type { CommandSpec } from '../src/chat/command.js';
import { audienceOf, describeAudience } from '../src/chat/kit.js';

/** `mute`: no announcements here until `unmute`; commands keep working. */
export const muteCommand: CommandSpec = {
  name: 'mute',
  aliases: ['shush'],
  usage: '',
  summary: 'stop announcements in this channel (in a DM: yours) until "unmute"; commands still work',
  permission: 'channel',
  maxArgs: 0,
  async run({ api, message }) {
    const audience = audienceOf(message);
    const where = describeAudience(audience);
    const changed = await api.act('mute', { audience, muted: true, by: message.account ?? `${message.transport}:${message.sender}` });
    if (!changed) return `Already muted; say "${api.botName}: unmute" to hear announcements again.`;
    return `Muted: no announcements to ${where} until someone says "${api.botName}: unmute". Subscriptions and watches are kept, and commands still work.`;
  },
};
