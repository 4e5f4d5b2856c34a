import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { describeLast } from '../src/chat/kit.js';

export const lastCommand: CommandSpec = {
  name: 'last',
  usage: '[builder]',
  summary: 'the last finished build of a builder (of every builder when none is named)',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 1,
  async run({ args, api }) {
    const list = await api.status(args[0]).catch((err: Error) => {
      throw new CommandError(err.message);
    });
    return list.map((s) => `${s.name}: ${describeLast(s) ?? 'no builds yet'}`);
  },
};
