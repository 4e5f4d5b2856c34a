import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';
import type { ChatMessage } from '../src/chat/transport.js';
import { formatTarget } from '../src/chat/kit.js';
import { DURATION_HINT, formatDuration, parseDuration } from '../src/model/duration.js';
import { ActionError } from '../src/chat/kit.js';

/** The chat target (`irc:#dev`) a channel message was said in; undefined for a DM. */
export function heardIn(m: ChatMessage): string | undefined {
  return m.channel ? formatTarget(m.transport, m.channel) : undefined;
}

/** Who said it: a verified account, else transport and nick. */
export function who(m: ChatMessage): string {
  return m.account ?? `${m.transport}:${m.sender}`;
}

export const demoteCommand: CommandSpec = {
  name: 'demote',
  usage: '<builder> [for <duration>] because <reason>',
  summary: 'make a supported builder unsupported (it stops holding packages back), for a while or until promoted',
  help: 'Durations: 90s, 30m, 1h30m, 2d, 1w. The channel and the builder\'s owners are told; the demotion is recorded with who, why and when.',
  permission: 'dangerous',
  minArgs: 3,
  async run({ args, api, message }) {
    const [builder, ...rest] = args as [string, ...string[]];
    let forMs: number | undefined;
    if (rest[0] === 'for') {
      const d = rest[1] ? parseDuration(rest[1]) : null;
      if (d === null || d <= 0) throw new UsageError(`"${rest[1] ?? ''}" is not ${DURATION_HINT}`);
      forMs = d;
      rest.splice(0, 2);
    }
    if (rest[0] !== 'because' || rest.length < 2) throw new UsageError('say why: ... because <reason>');
    const reason = rest.slice(1).join(' ');
    const where = heardIn(message);
    await api.act('demote', { builder, by: who(message), reason, ...(forMs ? { forMs } : {}), ...(where ? { heardIn: where } : {}) }).catch((err: Error) => {
      throw err instanceof ActionError ? new CommandError(`Cannot demote: ${err.message}.`) : err;
    });
    return `${builder} is unsupported now${forMs ? ` for ${formatDuration(forMs)}` : ' until promoted'}: ${reason}. It no longer holds packages back.`;
  },
};
