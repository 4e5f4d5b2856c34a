import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { USER_NAME_RE } from '../src/chat/identity.js';

/**
 * `i am user <name>`: records that you claim to be bb user <name>. The claim is kept (it survives
 * restarts) but unverified, and grants nothing until verified.
 */
export const iamCommand: CommandSpec = {
  name: 'i am user',
  aliases: ['i am', 'iam'],
  usage: '<name>',
  summary: 'say which bb user you are (recorded, unverified until confirmed)',
  help: 'Links your chat identity to a bb user (the person behind commits and email). The claim is filed under your services account (IRC) or Matrix id, or under your nick when you are not logged in. It grants nothing until it is verified.',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ args, message, api }) {
    const user = args[0]!;
    if (!USER_NAME_RE.test(user)) throw new UsageError(`"${user}" is not a bb user name (letters, digits, '.', '_' or '-')`);
    await api.identity.claim(message, user);
    const underNick = message.transport === 'irc' && !message.account ? ' It is filed under your nick, since you are not logged in to services.' : '';
    return `recorded: you claim to be ${user}; this is not verified yet and grants nothing.${underNick}`;
  },
};
