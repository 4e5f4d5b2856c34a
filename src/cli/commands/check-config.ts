import { Command } from 'commander';
import { checkConfigCommand } from '../../config/check.js';

export function checkConfigCli(): Command {
  return new Command('check-config')
    .description('validate a master config and print every problem, each with its path')
    .argument('<file>', 'the config module')
    .action(async (file: string) => {
      const code = await checkConfigCommand(file);
      if (code !== 0) process.exitCode = code;
    });
}
