import { Command } from 'commander';
import { BbClient } from '../../queue/client.js';
import type { ReconfigOutcome } from '../../master-reconfig.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';

/** `bb reconfig`: the running master reads its config file again and applies it (as SIGHUP does). */
export function reconfigCommand(): Command {
  return addConnOptions(
    new Command('reconfig').description("make the running master read its config file again and apply it without a restart (a config that fails the check is refused and the old one keeps running)"),
  ).action(async (o: ConnOptions) => {
    const client = new BbClient(connUrl(o), connPrefix(o));
    let res: ReconfigOutcome;
    try {
      res = await client.control<ReconfigOutcome>({ v: 1, type: 'reconfig' }, 120_000);
    } finally {
      await client.close();
    }
    if (!res.ok) throw new CliError(`config reload refused; the running config stays:\n${res.reasons.map((r) => `  ${r}`).join('\n')}`);
    if (!res.changes.length) console.log('config reloaded: nothing changed');
    else console.log(`config reloaded:\n${res.changes.map((c) => `  ${c}`).join('\n')}${res.reconnected.length ? `\nreconnected: ${res.reconnected.join(', ')}` : ''}`);
  });
}
