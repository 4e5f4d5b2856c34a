import { Command } from 'commander';
import { userInfo } from 'node:os';
import { BbClient } from '../../queue/client.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';
import { collect, parseProperties } from '../options.js';

export function forceCommand(): Command {
  return addConnOptions(
    new Command('force')
      .description('force a build of one or more builders')
      .argument('<builders...>', 'builder names')
      .option('--repository <name>', "repository to build, by name or URL (default: the one the builders' schedulers build)")
      .option('-b, --branch <branch>', 'branch to build (default: the first branch of the repository)')
      .option('-r, --revision <rev>', 'revision to build (default: the tip of the branch)')
      .option('--reason <text>', 'why, shown with the build')
      .option('-p, --property <k=v>', 'a build property (repeat for more)', collect, [])
      .option('--scheduler <name>', 'force scheduler to use')
      .option('--collapse', 'let it collapse with compatible pending requests (forced builds never do otherwise)'),
  ).action(async (builders: string[], o: ConnOptions & Record<string, unknown>) => {
    const client = new BbClient(connUrl(o), connPrefix(o));
    try {
      const res = await client.control<{ buildsetId?: number; error?: string }>({
        v: 1,
        type: 'force',
        builders,
        ...(o.repository ? { repository: o.repository } : {}),
        ...(o.branch ? { branch: o.branch } : {}),
        ...(o.revision ? { revision: o.revision } : {}),
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.scheduler ? { scheduler: o.scheduler } : {}),
        ...(o.collapse ? { collapse: true } : {}),
        owner: `cli:${userInfo().username}`,
        properties: parseProperties(o.property as string[]),
      });
      if (res.error) throw new CliError(`force refused: ${res.error}`);
      console.log(`buildset ${res.buildsetId} queued for ${builders.join(', ')}`);
    } finally {
      await client.close();
    }
  });
}
