import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { TierError } from '../src/chat/kit.js';
import { heardIn, who } from './demote.js';

export const promoteCommand: CommandSpec = {
  name: 'promote',
  usage: '<builder>',
  summary: 'make a builder supported again: it gates packages once more',
  permission: 'dangerous',
  minArgs: 1,
  maxArgs: 1,
  async run({ args, api, message }) {
    const builder = args[0]!;
    await api.tiers.promote({ builder, by: who(message), heardIn: heardIn(message) }).catch((err: Error) => {
      throw err instanceof TierError ? new CommandError(`Cannot promote: ${err.message}.`) : err;
    });
    return `${builder} is supported now; it gates packages again.`;
  },
};
