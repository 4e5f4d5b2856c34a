import { Command, CommanderError } from 'commander';
import { CliError } from './connect.js';
import { masterCommand } from './commands/master.js';
import { sendchangeCommand } from './commands/sendchange.js';
import { forceCommand } from './commands/force.js';
import { stopCommand } from './commands/stop.js';
import { schedulerCommand } from './commands/scheduler.js';
import { tryCommand } from './commands/try.js';
import { statusCommand } from './commands/status.js';
import { logsCommand } from './commands/logs.js';
import { checkConfigCli } from './commands/check-config.js';
import { executorCli } from './commands/executor.js';
import { demoCommand } from './commands/demo.js';
import { userCommand } from './commands/user.js';
import { pruneCommand } from './commands/prune.js';
import { ConfigError } from '../config/load.js';
import { InputError } from '../queue/client.js';

export { VERSION } from '../version.js';
import { VERSION } from '../version.js';

/** The `bb` program: one explicit list of subcommands. */
export function program(): Command {
  const p = new Command('bb')
    .description('bb: continuous integration with a chat bot')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  for (const c of [masterCommand(), executorCli(), sendchangeCommand(), forceCommand(), tryCommand(), stopCommand(), schedulerCommand(), userCommand(), statusCommand(), logsCommand(), pruneCommand(), checkConfigCli(), demoCommand()]) {
    p.addCommand(c);
  }
  return p;
}

export async function main(argv: string[]): Promise<void> {
  const p = program();
  p.exitOverride();
  try {
    await p.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (err instanceof ConfigError) {
      console.error(err.format());
      process.exit(1);
    }
    if (err instanceof CliError || err instanceof InputError) {
      console.error(`bb: ${err.message}`);
      process.exit(err instanceof CliError ? err.code : 2);
    }
    console.error(`bb: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  }
}
