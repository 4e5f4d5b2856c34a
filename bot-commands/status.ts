import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { describeBuild, describeLast } from '../src/chat/kit.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  usage: '[builder|all]',
  summary: "a builder's executors, running build and last result (all builders when none is named)",
  permission: 'anyone',
  readOnly: true,
  maxArgs: 1,
  async run({ args, api }) {
    const which = args[0] && args[0] !== 'all' ? args[0] : undefined;
    const list = await api.status(which).catch((err: Error) => {
      throw new CommandError(err.message);
    });
    return list.map((s) => {
      const online = s.executors.filter((e) => e.state === 'connected').length;
      const now = s.running.length ? `building ${s.running.map((b) => describeBuild(b)).join('; ')}` : 'idle';
      const last = s.last[0] ? `last ${describeLast(s)}` : 'no builds yet';
      const queued = s.pending ? `, ${s.pending} queued` : '';
      // A count of many failing tests says where their names are.
      const many = (s.problems ?? []).filter((p) => p.tests > 3).map((p) => `problem #${p.id}: ${p.what}, every test: "${api.botName}: problem ${p.id} tests"`);
      return `${s.name}: ${now}${queued}; ${last}${many.length ? `; ${many.join('; ')}` : ''} [${online}/${s.executors.length} executors online]`;
    });
  },
};
