import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { ActionError } from '../src/chat/kit.js';
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
    const where = heardIn(message);
    await api.act('promote', { builder, by: who(message), ...(where ? { heardIn: where } : {}) }).catch((err: Error) => {
      throw err instanceof ActionError ? new CommandError(`Cannot promote: ${err.message}.`) : err;
    });
    return `${builder} is supported now; it gates packages again.`;
  },
};
