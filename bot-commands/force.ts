import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';
import { ActionError, showRev } from '../src/chat/kit.js';

/**
 * `force build [builder|branch] [branch]`: a word naming a builder picks that builder; a word
 * naming a branch builds that branch on the builders its scheduler feeds.
 */
export const forceCommand: CommandSpec = {
  name: 'force build',
  aliases: ['force'],
  usage: '[builder|scheduler|branch] [branch] [--repository NAME] [--revision R] [--reason "why"]',
  summary: 'start a build now',
  help: 'A builder name builds that builder (on the branch given next, or the default). A scheduler name builds its branch on its builders. A branch name builds that branch on the builders its schedulers feed. The repository is the one the builders\' schedulers build, or --repository NAME.',
  permission: 'dangerous',
  options: { revision: 'value', reason: 'value', repository: 'value' },
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
      const changeSchedulers = cfg.schedulers.filter((s) => s.type !== 'force');
      const named = changeSchedulers.find((s) => s.name === first);
      if (named) {
        // A scheduler's name stands for what it builds: its branch on its builders.
        branch = named.branch;
        builders = named.builders;
      } else {
        branch = first;
        builders = [...new Set(changeSchedulers.filter((s) => s.branch === first).flatMap((s) => s.builders))];
      }
      if (!builders.length) {
        throw new CommandError(
          `"${first}" is not a builder (${[...builderNames].join(', ')}), a scheduler (${changeSchedulers.map((s) => s.name).join(', ')}) or a branch a scheduler builds.`,
        );
      }
    } else {
      builders = [...new Set(cfg.schedulers.filter((s) => s.type === 'force').flatMap((s) => s.builders))];
    }
    const forceable = new Set(cfg.schedulers.filter((s) => s.type === 'force').flatMap((s) => s.builders));
    const blocked = builders.filter((b) => !forceable.has(b));
    if (blocked.length === builders.length) throw new CommandError(`No force scheduler lists ${builders.join(', ')}.`);
    builders = builders.filter((b) => forceable.has(b));
    const { buildsetId: id } = await api.act('force', {
      v: 1,
      type: 'force',
      builders,
      ...(typeof options.repository === 'string' ? { repository: options.repository } : {}),
      ...(branch ? { branch } : {}),
      ...(typeof options.revision === 'string' ? { revision: options.revision } : {}),
      ...(typeof options.reason === 'string' ? { reason: options.reason } : {}),
      owner: message.account ?? `${message.transport}:${message.sender}`,
    }).catch((err: Error) => {
      throw err instanceof ActionError ? new CommandError(`Cannot force: ${err.message}`) : err;
    });
    const done = `Build forced for ${builders.join(', ')}${branch ? ` on ${branch}` : ''} (buildset ${id}).${blocked.length ? ` Skipped ${blocked.join(', ')}: no force scheduler lists them.` : ''}`;
    const pkg = cfg.packagesBuilder;
    if (!pkg || !builders.includes(pkg)) return done;
    // A forced package build is no release: only the gate's builds (every supported builder passed) are packages.
    const rev = typeof options.revision === 'string' ? options.revision : undefined;
    const passed = rev ? (await api.tiers.packages(50)).some((p) => p.revision === rev) : false;
    const what = rev ? (passed ? `${showRev(rev)} passed the gate, but this forced build is not its package` : `${showRev(rev)} did not pass the gate`) : 'no revision that passed the gate was named';
    return [done, `${pkg} is the packages builder: ${what}, so it builds into the unreleased folder (no packaged_revision) and is never listed as a package.`];
  },
};
