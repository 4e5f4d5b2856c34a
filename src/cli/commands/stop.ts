import { Command } from 'commander';
import { userInfo } from 'node:os';
import { BbClient } from '../../queue/client.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';

export function stopCommand(): Command {
  return addConnOptions(
    new Command('stop')
      .description('stop one build (the running build of the builder when no number is given)')
      .argument('<builder>')
      .argument('[number]', 'build number')
      .option('--reason <text>', 'why, shown with the build'),
  ).action(async (builder: string, number: string | undefined, o: ConnOptions & { reason?: string }) => {
    if (number !== undefined && !/^\d+$/.test(number)) throw new CliError(`"${number}" is not a build number`, 2);
    const client = new BbClient(connUrl(o), connPrefix(o));
    try {
      const res = await client.control<{ error?: string; number?: number; how?: string }>({
        v: 1,
        type: 'stop',
        builder,
        ...(number ? { number: Number(number) } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        owner: `cli:${userInfo().username}`,
      });
      if (res.error) throw new CliError(`stop refused: ${res.error}`);
      console.log(res.how === 'withdrawn' ? `${builder} #${res.number} had not started: cancelled` : `stopping ${builder} #${res.number}`);
    } finally {
      await client.close();
    }
  });
}
