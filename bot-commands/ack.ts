import type { CommandSpec } from '../src/chat/command.js';
import { actor, mustGet, problemId } from './problem-text.js';
import { formatDuration } from '../src/model/duration.js';

/** `ack N [note]`: someone is on it; reminders pause. */
export const ackCommand: CommandSpec = {
  name: 'ack',
  usage: '<problem> [note]',
  summary: 'say you are on a problem (reminders about it pause)',
  permission: 'anyone',
  minArgs: 1,
  async run({ api, args, message }) {
    const id = problemId(args[0]);
    await mustGet(api, id);
    const who = await actor(api, message);
    const note = args.slice(1).join(' ');
    await api.act('ack', { id, by: who, ...(note ? { note } : {}) });
    return `Problem ${id} acknowledged by ${who}${note ? `: ${note}` : ''}. Reminders pause for ${formatDuration(api.problems.ackPauseMs)}.`;
  },
};
