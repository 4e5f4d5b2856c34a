import { Command } from 'commander';
import { builderStatuses, formatStatus } from '../../status/status.js';
import { formatMasterStatus, masterStatus } from '../../status/master.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';

export function statusCommand(): Command {
  return addConnOptions(
    new Command('status')
      .description('the master and its guardrail warnings, builders, their executors, running builds and the last results')
      .argument('[builder]', 'one builder')
      .option('--json', 'machine-readable output: {master, guardrails, lastPrune, builders}')
      .option('-n, --last <n>', 'how many finished builds per builder', '3'),
  ).action(async (builder: string | undefined, o: ConnOptions & { json?: boolean; last: string }) => {
    const { store, close } = await openStore(o);
    try {
      const list = await builderStatuses(store, { ...(builder ? { builder } : {}), last: Number(o.last) }).catch((err: Error) => {
        throw new CliError(err.message);
      });
      const master = await masterStatus(store);
      console.log(o.json ? JSON.stringify({ ...master, builders: list }, null, 2) : `${formatMasterStatus(master)}\n${formatStatus(list)}`);
    } finally {
      close();
    }
  });
}
