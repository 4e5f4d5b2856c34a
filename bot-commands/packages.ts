import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { packageLines, showRev, waitingLine } from '../src/chat/kit.js';

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
    const [list, waits] = await Promise.all([api.tiers.packages(n), api.tiers.waiting()]);
    const wait = waitingLine(waits, showRev);
    if (!list.length) return wait ? ['No packages made yet.', wait] : 'No packages made yet.';
    return wait ? [wait, ...packageLines(list)] : packageLines(list);
  },
};
