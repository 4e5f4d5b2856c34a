import { CommandError, type CommandSpec } from '../src/chat/command.js';
import { mustGet, problemId, verifiedUser } from './problem-text.js';

/** `not me N [reason]`: the speaker (a verified user) was wrongly blamed. */
export const notMeCommand: CommandSpec = {
  name: 'not me',
  usage: '<problem> [reason]',
  summary: 'take yourself off the guilty list of a problem (needs a verified "i am user")',
  permission: 'anyone',
  minArgs: 1,
  async run({ api, args, message }) {
    const id = problemId(args[0]);
    await mustGet(api, id);
    const user = await verifiedUser(api, message);
    if (!user) throw new CommandError(`I don't know which bb user you are: say "${api.botName}: i am user <name>" and verify it first.`);
    const reason = args.slice(1).join(' ');
    const p = await api.act('notMe', { id, by: user, ...(reason ? { reason } : {}) });
    return `Noted: ${user} is not guilty of problem ${id}${reason ? ` (${reason})` : ''}. Guilty now: ${p.guilty.join(', ') || 'nobody'}.`;
  },
};
