import { echo } from '../src/util/safe-text.js';
import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';
import { stepLogUrl } from '../src/chat/kit.js';

export const logCommand: CommandSpec = {
  name: 'log',
  aliases: ['logs'],
  usage: '<builder> [number] [step]',
  summary: "the last lines of a build's log",
  permission: 'anyone',
  readOnly: true,
  minArgs: 1,
  maxArgs: 3,
  async run({ args, api }) {
    const [builder, num, stepArg] = args as [string, string | undefined, string | undefined];
    if (num !== undefined && !/^\d+$/.test(num)) throw new UsageError(`"${echo(num)}" is not a build number`);
    const config = await api.config();
    const builders = config.builders.map((b) => b.name);
    if (!builders.includes(builder)) throw new CommandError(`unknown builder "${echo(builder)}" (known: ${builders.join(', ')})`);
    const build = num ? await api.build(builder, Number(num)) : await api.lastBuild(builder);
    if (!build) throw new CommandError(num ? `${await api.missingBuild(builder, Number(num))}.` : `${builder} has no builds yet.`);
    let step: number | undefined;
    if (stepArg !== undefined) {
      step = /^\d+$/.test(stepArg) ? Number(stepArg) : build.steps.findIndex((s) => s.name === stepArg);
      if (step < 0 || step >= build.steps.length) throw new CommandError(`${builder} #${build.number} has no step "${echo(stepArg)}" (steps: ${build.steps.map((s) => s.name).join(', ')}).`);
    }
    const tail = await api.logTail(build, step, 10);
    const url = stepLogUrl(config.titleUrl, builder, build.number, tail.step);
    const where = url ? '' : `; full log: bb logs ${builder} ${build.number} ${tail.step}`;
    const head = `${builder} #${build.number} step ${build.steps[tail.step]?.name ?? tail.step} (last ${tail.lines.length} lines${where}):`;
    // With a web address, the reply ends with the link to the whole log, also when a channel cuts it short.
    return url ? { lines: [head, ...tail.lines, `full log: ${url}`], moreHint: `full log: ${url}` } : [head, ...tail.lines];
  },
};
