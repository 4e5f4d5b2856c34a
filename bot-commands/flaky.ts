import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { subjectLabel } from '../src/model/problem.js';
import { short, tests } from './problem-text.js';

/**
 * `flaky`: the tests remembered as flaky (per builder, with their flip rate) and the Problems found
 * flaky. `flaky <test> off`: stop treating that test as flaky, so its next failure is judged again.
 */
export const flakyCommand: CommandSpec = {
  name: 'flaky',
  usage: '[<test> off]',
  summary: 'tests remembered as flaky (failed, then passed at the same revision); "flaky <test> off" forgets one',
  permission: 'anyone',
  maxArgs: 2,
  async run({ api, args, message }) {
    if (args.length) {
      const [label, off] = args;
      if (args.length !== 2 || off !== 'off' || !label) throw new UsageError('say "flaky <test> off", the test as "suite.name", its name, or "step name"');
      const done = await api.act('flakyOff', { test: label, by: message.account ?? `${message.transport}:${message.sender}` });
      if (!done.length) return `No test remembered as flaky is called "${label}".`;
      return `No longer treated as flaky: ${done.map((d) => `${subjectLabel(d.subject)} on ${d.builder}`).join(', ')}. Its next failure is judged again.`;
    }
    const remembered = await api.problems.flakyTests();
    const found = await api.problems.flaky();
    if (!remembered.length && !found.length) return 'No flaky tests seen.';
    return [
      ...remembered.slice(0, 10).map((r) => `${subjectLabel(r.record.subject)} on ${r.builder}: flaky, flips in ${Math.round(r.flipRate * 100)}% of its last ${r.record.runs.length} runs, ${r.record.passStreak} passes in a row`),
      ...found.slice(0, 10).map((p) => `#${p.id} ${tests(p)} on ${p.builders.map((b) => b.builder).join(', ')} at ${short(p.firstBadRevision)}`),
    ];
  },
};
