import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';

/**
 * `force build [builder|branch] [branch]`: a word naming a builder picks that builder; a word
 * naming a branch builds that branch on the builders its scheduler feeds.
 */
export const forceCommand: CommandSpec = {
  name: 'force build',
  aliases: ['force'],
  usage: '[builder|branch] [branch] [--revision R] [--reason "why"]',
  summary: 'start a build now',
  help: 'A builder name builds that builder; a branch name builds that branch on the builders its scheduler feeds.',
  permission: 'dangerous',
  options: { revision: 'value', reason: 'value' },
  maxArgs: 2,
  async run({ args, options, api, message }) {
    const cfg = await api.config();
    const builderNames = new Set(cfg.builders.map((b) => b.name));
    let builders: string[] = [];
    let branch: string | undefined;
    const [first, second] = args;
    if (first && builderNames.has(first)) {
      builders = [first];
      branch = second;
    } else if (first) {
      if (second) throw new UsageError(`"${first}" is not a builder`);
      branch = first;
      builders = [...new Set(cfg.schedulers.filter((s) => s.branch === first && s.type !== 'force').flatMap((s) => s.builders))];
      if (!builders.length) {
        throw new CommandError(`"${first}" is neither a builder (${[...builderNames].join(', ')}) nor a branch a scheduler builds.`);
      }
    } else {
      builders = [...new Set(cfg.schedulers.filter((s) => s.type === 'force').flatMap((s) => s.builders))];
    }
    const forceable = new Set(cfg.schedulers.filter((s) => s.type === 'force').flatMap((s) => s.builders));
    const blocked = builders.filter((b) => !forceable.has(b));
    if (blocked.length === builders.length) throw new CommandError(`No force scheduler lists ${builders.join(', ')}.`);
    builders = builders.filter((b) => forceable.has(b));
    const id = await api.force({
      builders,
      ...(branch ? { branch } : {}),
      ...(typeof options.revision === 'string' ? { revision: options.revision } : {}),
      ...(typeof options.reason === 'string' ? { reason: options.reason } : {}),
      owner: message.account ?? `${message.transport}:${message.sender}`,
    }).catch((err: Error) => {
      throw new CommandError(`Cannot force: ${err.message}`);
    });
    return `Build forced for ${builders.join(', ')}${branch ? ` on ${branch}` : ''} (buildset ${id}).${blocked.length ? ` Skipped ${blocked.join(', ')}: no force scheduler lists them.` : ''}`;
  },
};
