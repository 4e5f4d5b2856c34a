import { echo } from '../src/util/safe-text.js';
import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { usage } from '../src/chat/router.js';

/** `help` is built from the other specs, so it never goes out of date. */
export function helpCommand(all: () => readonly CommandSpec[]): CommandSpec {
  return {
    name: 'help',
    aliases: ['commands', '?'],
    usage: '[command]',
    summary: 'list the commands, or explain one',
    permission: 'anyone',
  readOnly: true,
    maxArgs: 3,
    async run({ args, api }) {
      const specs = all();
      if (!args.length) {
        return [
          `Commands (say "${api.botName}: help <command>" for more): ${specs.map((s) => s.name).join(', ')}`,
        ];
      }
      const wanted = args.join(' ').toLowerCase();
      const spec = specs.find((s) => s.name === wanted || s.aliases?.includes(wanted));
      if (!spec) throw new CommandError(`No command "${echo(args.join(' '))}". Commands: ${specs.map((s) => s.name).join(', ')}`);
      const lines = [`${usage(spec)}: ${spec.summary}${spec.permission === 'dangerous' ? ' (needs permission)' : spec.permission === 'channel' ? ' (in a channel: needs permission or channel operator)' : ''}`];
      if (spec.aliases?.length) lines.push(`also: ${spec.aliases.join(', ')}`);
      if (spec.help) lines.push(...spec.help.split('\n'));
      return lines;
    },
  };
}
