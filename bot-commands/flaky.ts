import type { CommandSpec } from '../src/chat/command.js';
import { short, tests } from './problem-text.js';

/** `flaky`: tests that failed once and passed on the confirming rerun. */
export const flakyCommand: CommandSpec = {
  name: 'flaky',
  usage: '',
  summary: 'tests found flaky (failed, then passed on a rerun at the same revision)',
  permission: 'anyone',
  maxArgs: 0,
  async run({ api }) {
    const list = await api.problems.flaky();
    if (!list.length) return 'No flaky tests seen.';
    return list.slice(0, 10).map((p) => `#${p.id} ${tests(p)} on ${p.builders.map((b) => b.builder).join(', ')} at ${short(p.firstBadRevision)}`);
  },
};
