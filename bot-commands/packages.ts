import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { showRev } from '../src/chat/kit.js';

export const packagesCommand: CommandSpec = {
  name: 'packages',
  usage: '[N]',
  summary: 'the last N packages (default 5): revision and the supported builds that vouched for it',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 1,
  async run({ args, api }) {
    const n = args[0] === undefined ? 5 : Number(args[0]);
    if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError('N is a number from 1 to 50');
    const list = await api.tiers.packages(n);
    if (!list.length) return 'No packages made yet.';
    return list.map((p) => {
      const state = p.build ? `package #${p.build.number} ${p.build.result}` : 'package build pending';
      return `${showRev(p.revision)}: ${state}; vouched for by ${p.vouchers.join(', ')} at ${new Date(p.at).toISOString().slice(0, 16).replace('T', ' ')}Z`;
    });
  },
};
