import type { CommandSpec } from '../src/chat/command.js';

export const versionCommand: CommandSpec = {
  name: 'version',
  usage: '',
  summary: "bb's version",
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    return `bb ${api.version}`;
  },
};
