import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';
import { ActionError } from '../src/chat/kit.js';

export const stopCommand: CommandSpec = {
  name: 'stop build',
  aliases: ['stop'],
  usage: '<builder> [number] [--reason "why"]',
  summary: 'stop one build (the running build of the builder when no number is given)',
  permission: 'dangerous',
  options: { reason: 'value' },
  minArgs: 1,
  maxArgs: 2,
  async run({ args, options, api, message }) {
    const [builder, num] = args as [string, string | undefined];
    if (num !== undefined && !/^#?\d+$/.test(num)) throw new UsageError(`"${num}" is not a build number`);
    const res = await api
      .act('stop', {
        v: 1,
        type: 'stop',
        builder,
        ...(num ? { number: Number(num.replace('#', '')) } : {}),
        ...(typeof options.reason === 'string' ? { reason: options.reason } : {}),
        owner: message.account ?? `${message.transport}:${message.sender}`,
      })
      .catch((err: Error) => {
        if (err instanceof ActionError) throw new CommandError(`Cannot stop: ${err.message}.`);
        throw err;
      });
    return res.how === 'withdrawn'
      ? `${builder} #${res.number} had not started; it is cancelled.`
      : `Stopping ${builder} #${res.number} on ${res.executor}; it will end as CANCELLED.`;
  },
};
