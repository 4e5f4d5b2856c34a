import type { CommandSpec } from '../src/chat/command.js';
import { actor, mustGet, problemId } from './problem-text.js';

/** `watch problem N`: become interested in a Problem. */
export const watchProblemCommand: CommandSpec = {
  name: 'watch problem',
  usage: '<problem>',
  summary: 'be told how a problem goes (adds you to its interested users)',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ api, args, message }) {
    const id = problemId(args[0]);
    await mustGet(api, id);
    const who = await actor(api, message);
    await api.act('watchProblem', { id, by: who });
    return `${who} now watches problem ${id}.`;
  },
};
