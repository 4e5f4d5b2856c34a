import { Command } from 'commander';
import { builderStatuses, formatStatus } from '../../status/status.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';

export function statusCommand(): Command {
  return addConnOptions(
    new Command('status')
      .description('builders, their executors, running builds and the last results')
      .argument('[builder]', 'one builder')
      .option('--json', 'machine-readable output')
      .option('-n, --last <n>', 'how many finished builds per builder', '3'),
  ).action(async (builder: string | undefined, o: ConnOptions & { json?: boolean; last: string }) => {
    const { store, close } = await openStore(o);
    try {
      const list = await builderStatuses(store, { ...(builder ? { builder } : {}), last: Number(o.last) }).catch((err: Error) => {
        throw new CliError(err.message);
      });
      console.log(o.json ? JSON.stringify(list, null, 2) : formatStatus(list));
    } finally {
      close();
    }
  });
}
