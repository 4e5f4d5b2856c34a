import { Command } from 'commander';
import { builderStatuses, formatStatus, type BuilderStatus } from '../../status/status.js';
import { formatMasterStatus, masterStatus, type MasterStatus } from '../../status/master.js';
import { addConnOptions, CliError, openStore, type ConnOptions } from '../connect.js';
import { addUrlOption, getApi, webBase, type WebReadOptions } from '../web-read.js';

export function statusCommand(): Command {
  return addUrlOption(addConnOptions(
    new Command('status')
      .description('the master and its guardrail warnings, builders, their executors, running builds and the last results')
      .argument('[builder]', 'one builder')
      .option('--json', 'machine-readable output: {master, guardrails, lastPrune, builders}')
      .option('-n, --last <n>', 'how many finished builds per builder', '3'),
  )).action(async (builder: string | undefined, o: ConnOptions & WebReadOptions & { json?: boolean; last: string }) => {
    const base = webBase(o);
    if (base) {
      const q = new URLSearchParams({ last: o.last, ...(builder ? { builder } : {}) });
      const got = await getApi<MasterStatus & { builders: BuilderStatus[] }>(base, `status?${q}`);
      console.log(o.json ? JSON.stringify(got, null, 2) : `${formatMasterStatus(got)}\n${formatStatus(got.builders)}`);
      return;
    }
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
