import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { speakerOf } from '../src/chat/kit.js';

/** `forget me`: bb forgets who you said you are, and unlinks your chat account from your bb user. */
export const forgetCommand: CommandSpec = {
  name: 'forget',
  usage: 'me',
  summary: 'forget me: drop your claim to be a bb user and unlink this chat account from it',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ message, api, args }) {
    if (args[0]?.toLowerCase() !== 'me') throw new UsageError('only "forget me" is understood.');
    const { claim, unlinked, declared } = await api.act('forgetMe', { speaker: speakerOf(message) });
    const how = message.transport === 'irc' ? 'IRC account' : message.transport === 'matrix' ? 'Matrix id' : 'chat identity';
    if (declared) return `This ${how} is bb user ${declared} in the master config (users.people), so it stays linked${claim ? ' (your claim is dropped)' : ''}: an operator changes it there, then bb reconfig.`;
    const user = unlinked ?? claim;
    if (!user) return 'There was nothing to forget: this chat identity was not linked to any bb user.';
    return `Forgotten: this ${how} is no longer bb user ${user}, and reminders no longer come here. Say "${api.botName}: i am user NAME" to claim one again.`;
  },
};
