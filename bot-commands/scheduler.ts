import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { ActionError } from '../src/chat/kit.js';
import { who } from './demote.js';

/** `schedulers`: each scheduler, on or off (and who switched it off, why), and the next timed fire. */
export const schedulersCommand: CommandSpec = {
  name: 'schedulers',
  usage: '',
  summary: 'the schedulers: which are on, which were switched off (by whom, why), the next timed build',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    const res = await api.act('scheduler', { v: 1, type: 'scheduler', action: 'list' });
    if (!('schedulers' in res) || !res.schedulers.length) return 'No schedulers are configured.';
    return res.schedulers.map((s) => {
      const state = s.enabled ? 'on' : `off (by ${s.disabledBy ?? 'someone'}${s.reason ? `: ${s.reason}` : ''})`;
      const next = s.enabled && s.next !== undefined ? `, next build ${new Date(s.next).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
      return `${s.name} (${s.type}, ${s.builders.join(', ')}): ${state}${next}`;
    });
  },
};

function switchCommand(action: 'enable' | 'disable'): CommandSpec {
  const off = action === 'disable';
  return {
    name: `scheduler ${action}`,
    usage: off ? '<name> [because <reason>]' : '<name>',
    summary: off ? 'switch a scheduler off: it makes no BuildSets until enabled (kept across restarts)' : 'switch a scheduler back on',
    permission: 'dangerous',
    minArgs: 1,
    maxArgs: off ? undefined : 1,
    async run({ api, args, message }) {
      const [name, ...rest] = args as [string, ...string[]];
      const reason = rest[0] === 'because' ? rest.slice(1).join(' ') : rest.join(' ');
      const res = await api
        .act('scheduler', { v: 1, type: 'scheduler', action, name, owner: who(message), ...(reason ? { reason } : {}) })
        .catch((err: Error) => {
          throw err instanceof ActionError ? new CommandError(`Cannot ${action} ${name}: ${err.message}.`) : err;
        });
      const changed = 'changed' in res && res.changed;
      if (!changed) return `Scheduler ${name} was already ${off ? 'off' : 'on'}.`;
      return off ? `Scheduler ${name} is off${reason ? `: ${reason}` : ''}. It makes no BuildSets until "scheduler enable ${name}".` : `Scheduler ${name} is on again.`;
    },
  };
}

export const schedulerDisableCommand = switchCommand('disable');
export const schedulerEnableCommand = switchCommand('enable');
