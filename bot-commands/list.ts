import { echo } from '../src/util/safe-text.js';
import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { authorName } from '../src/chat/kit.js';
import { shortRev } from '../src/model/revision.js';

export const listCommand: CommandSpec = {
  name: 'list',
  usage: 'builders|executors|changes [N]',
  summary: 'list builders, executors, or the last N changes',
  permission: 'anyone',
  readOnly: true,
  minArgs: 1,
  maxArgs: 2,
  async run({ args, api }) {
    const what = args[0]!.toLowerCase();
    if (what === 'builders') {
      const cfg = await api.config();
      return cfg.builders.map((b) => `${b.name} [${b.tier}]${b.category ? ` (${b.category})` : ''}: executors ${b.executors.join(', ')}`);
    }
    if (what === 'executors') {
      const execs = await api.executors();
      if (!execs.length) return 'No executor has connected yet.';
      return execs.map((e) => `${e.name}: ${e.state}${e.reason ? ` (${e.reason})` : ''}, ${e.slots} slot${e.slots === 1 ? '' : 's'}, on ${e.hostname}`);
    }
    if (what === 'changes') {
      const n = args[1] ? Number(args[1]) : 5;
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError('N is a number from 1 to 50');
      const changes = await api.recentChanges(n);
      if (!changes.length) return 'No changes yet.';
      return changes.map((c) => `${c.id}: ${shortRev(c.revision, 'HEAD')} on ${c.branch ?? '-'} by ${authorName(c.author)}: ${c.comments.split('\n')[0]}`);
    }
    throw new UsageError(`I can list builders, executors or changes, not "${echo(args[0] ?? '')}"`);
  },
};
