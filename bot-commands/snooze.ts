import { echo } from '../src/util/safe-text.js';
import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { parseDuration } from '../src/model/duration.js';
import { actor, mustGet, problemId } from './problem-text.js';

/** `snooze N <duration>`: no reminders about a Problem for a while. */
export const snoozeCommand: CommandSpec = {
  name: 'snooze',
  usage: '<problem> <duration>',
  summary: 'no reminders about a problem for a while (30m, 2h, 1d)',
  permission: 'anyone',
  minArgs: 2,
  maxArgs: 2,
  async run({ api, args, message }) {
    const id = problemId(args[0]);
    const ms = parseDuration(args[1]!);
    if (ms === null || ms <= 0 || ms > 14 * 86_400_000) throw new UsageError(`"${echo(args[1] ?? '')}" is not a duration up to 2w (like 30m, 2h, 1d or 1w).`);
    await mustGet(api, id);
    const p = await api.act('snooze', { id, by: await actor(api, message), forMs: ms });
    return `Problem ${id} snoozed until ${new Date(p.snoozedUntil!).toISOString()}.`;
  },
};
