import { Command, CommanderError } from 'commander';
import { CliError } from './connect-error.js';
import { ConfigError } from '../config/errors.js';
import { InputError } from '../queue/input-error.js';

export { VERSION } from '../version.js';
import { VERSION } from '../version.js';

/**
 * Every subcommand, in the order `bb --help` lists them, each loaded only when it runs: `bb
 * --version` loads none and `bb sendchange` only the queue client, never the master or chat.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  master: async () => (await import('./commands/master.js')).masterCommand(),
  executor: async () => (await import('./commands/executor.js')).executorCli(),
  sendchange: async () => (await import('./commands/sendchange.js')).sendchangeCommand(),
  force: async () => (await import('./commands/force.js')).forceCommand(),
  try: async () => (await import('./commands/try.js')).tryCommand(),
  stop: async () => (await import('./commands/stop.js')).stopCommand(),
  scheduler: async () => (await import('./commands/scheduler.js')).schedulerCommand(),
  user: async () => (await import('./commands/user.js')).userCommand(),
  status: async () => (await import('./commands/status.js')).statusCommand(),
  problems: async () => (await import('./commands/problems.js')).problemsCommand(),
  problem: async () => (await import('./commands/problems.js')).problemCommand(),
  tiers: async () => (await import('./commands/tiers.js')).tiersCommand(),
  packages: async () => (await import('./commands/tiers.js')).packagesCommand(),
  tree: async () => (await import('./commands/tiers.js')).treeCommand(),
  logs: async () => (await import('./commands/logs.js')).logsCommand(),
  prune: async () => (await import('./commands/prune.js')).pruneCommand(),
  reconfig: async () => (await import('./commands/reconfig.js')).reconfigCommand(),
  'redis-acl': async () => (await import('./commands/redis-acl.js')).redisAclCommand(),
  'check-config': async () => (await import('./commands/check-config.js')).checkConfigCli(),
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
};

/**
 * The `bb` program with the subcommands `argv` needs: the named one when the first argument names
 * one, none for `--version`, every one otherwise (help, or an unknown command to suggest against).
 */
export async function program(argv: string[] = []): Promise<Command> {
  const p = new Command('bb')
    .description('bb: continuous integration with a chat bot')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');
  const first = argv[2];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : first === '--version' || first === '-V' ? [] : Object.keys(COMMANDS);
  for (const c of await Promise.all(names.map((n) => COMMANDS[n]!()))) p.addCommand(c);
  return p;
}

export async function main(argv: string[]): Promise<void> {
  const p = await program(argv);
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
