import type { CommandSpec } from '../src/chat/command.js';
import { UsageError } from '../src/chat/command.js';
import { testPage } from '../src/chat/kit.js';
import { details, historyLines, mustGet, oneLine, problemId } from './problem-text.js';

/** Lines of names per page of `problem N tests`: a DM holds 20 lines, a channel reply 5. */
const PAGE = { direct: 15, channel: 3 };

/** `problems`: the open Problems, one line each. */
export const problemsCommand: CommandSpec = {
  name: 'problems',
  usage: '',
  summary: 'open problems: what broke, where, since which revision, who is guilty',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    const open = await api.problems.open();
    if (!open.length) return 'No open problems.';
    const shown = open.slice(0, 10).map((p) => oneLine(p));
    if (open.length > 10) shown.push(`… and ${open.length - 10} more; all of them: "bb problems" on the command line.`);
    return shown;
  },
};

/** `problem N`: everything about one Problem. */
export const problemCommand: CommandSpec = {
  name: 'problem',
  usage: '<number> [tests [page]]',
  summary: 'one problem in full: state, builders, tests, revision range, guilty and responsible, acks, reminders sent; "tests" lists every test, a page at a time',
  help: 'problem 12 shows what fails (a count by file and the first names), where, since when, who is blamed and the reminders sent. problem 12 tests lists every failing test by file, 15 lines a page by DM (problem 12 tests 2 for the next page), 3 in a channel.',
  permission: 'anyone',
  readOnly: true,
  minArgs: 1,
  maxArgs: 3,
  async run({ api, args, message }) {
    const p = await mustGet(api, problemId(args[0]));
    const at = { botName: api.botName, titleUrl: api.problems.titleUrl };
    if (args.length === 1) {
      const lines = [...details(p, at), ...historyLines(await api.problems.history(p.id), 12)];
      return { lines, moreHint: `the tests: "${api.botName}: problem ${p.id} tests"; the rest: "bb problem ${p.id}" on the command line` };
    }
    if (args[1]!.toLowerCase() !== 'tests') throw new UsageError(`"${args[1]}" is not "tests"`);
    const page = args[2] === undefined ? 1 : Number(args[2]);
    if (!Number.isInteger(page) || page < 1) throw new UsageError(`"${args[2]}" is not a page number`);
    const lines = testPage(p, page, message.isDirect ? PAGE.direct : PAGE.channel, api.botName, await api.problems.buildTests(p));
    return { lines, moreHint: `all of them: "bb problem ${p.id} --tests" on the command line${message.isDirect ? '' : `, or "${api.botName}: problem ${p.id} tests" by DM`}` };
  },
};
