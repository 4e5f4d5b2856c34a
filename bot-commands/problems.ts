import type { CommandSpec } from '../src/chat/command.js';
import { details, historyLines, mustGet, oneLine, problemId } from './problem-text.js';

/** `problems`: the open Problems, one line each. */
export const problemsCommand: CommandSpec = {
  name: 'problems',
  usage: '',
  summary: 'open problems: what broke, where, since which revision, who is guilty',
  permission: 'anyone',
  maxArgs: 0,
  async run({ api }) {
    const open = await api.problems.open();
    if (!open.length) return 'No open problems.';
    const shown = open.slice(0, 10).map(oneLine);
    if (open.length > 10) shown.push(`… and ${open.length - 10} more.`);
    return shown;
  },
};

/** `problem N`: everything about one Problem. */
export const problemCommand: CommandSpec = {
  name: 'problem',
  usage: '<number>',
  summary: 'one problem in full: state, builders, tests, revision range, guilty and responsible, acks, reminders sent',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ api, args }) {
    const p = await mustGet(api, problemId(args[0]));
    return [...details(p), ...historyLines(await api.problems.history(p.id), 12)];
  },
};
