import { Command, InvalidArgumentError } from 'commander';
import { sendChangeOnce } from '../../queue/intake.js';
import { RespError } from '../../queue/resp.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';
import { parseProperties, collect } from '../options.js';

export function sendchangeCommand(): Command {
  return addConnOptions(
    new Command('sendchange')
      .description('tell bb about a change (a commit) so schedulers can build it')
      .requiredOption('-W, --who <author>', 'author, e.g. "Brian Warner <warner@example.org>"')
      .option('-f, --file <path>', 'a file the change touched (repeat for more)', collect, [])
      .option('-c, --comments <text>', 'the commit message', '')
      .option('-b, --branch <branch>', 'branch')
      .option('-r, --revision <rev>', 'revision (commit id)')
      .option('--repository <url>', 'repository', '')
      .option('--project <name>', 'project', '')
      .option('--category <name>', 'category')
      .option('-p, --property <k=v>', 'a change property (repeat for more)', collect, [])
      .option('--when <seconds>', 'commit time, seconds since the epoch')
      .option('--wait-replicas <n>', 'acknowledge only once n Redis replicas have the change (WAIT; for Sentinel setups)', (v) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
        return Number(v);
      }),
  ).action(async (o: ConnOptions & Record<string, unknown>) => {
    // Straight onto the master's intake list: no BullMQ in this process (src/queue/intake.ts).
    const sent = sendChangeOnce(connUrl(o), connPrefix(o), {
      author: o.who as string,
      files: o.file as string[],
      comments: o.comments as string,
      ...(o.branch ? { branch: o.branch as string } : {}),
      ...(o.revision ? { revision: o.revision as string } : {}),
      repository: o.repository as string,
      project: o.project as string,
      ...(o.category ? { category: o.category as string } : {}),
      properties: parseProperties(o.property as string[]),
      ...(o.when ? { when: Math.round(Number(o.when) * 1000) } : {}),
      source: 'sendchange',
    }, (o.waitReplicas as number | undefined) ?? 0);
    const id = await sent.catch((err: unknown) => {
      throw err instanceof RespError ? new CliError(`${err.message}; nothing was queued (set --redis or REDIS_URL)`) : err;
    });
    console.log(`change queued (${id})`);
  });
}
