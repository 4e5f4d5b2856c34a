import type { CommandSpec } from '../src/chat/command.js';
import { fullTierLines, tierSummary } from '../src/chat/kit.js';

export const tiersCommand: CommandSpec = {
  name: 'tiers',
  usage: '',
  summary: 'builders by tier: in a channel counts, red ones and demotions; in a DM every builder, green or red and for how long',
  help: 'Both say what the next package waits for when a supported builder has not built the newest revision. The full list also: bb tiers (--json).',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api, message }) {
    const [list, waits] = await Promise.all([api.tiers.list(), api.tiers.waiting()]);
    const now = Date.now();
    return message.isDirect || message.channel === null ? fullTierLines(list, waits, now) : tierSummary(list, waits, now, api.botName);
  },
};
