import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { USER_NAME_RE } from '../src/chat/identity.js';
import { speakerOf } from '../src/chat/kit.js';

/**
 * `i am user <name>`: claims to be bb user <name>. bb mails a one-time code to the user's address;
 * the claim grants nothing until `verify <code>` from the same account confirms it.
 */
export const iamCommand: CommandSpec = {
  name: 'i am user',
  aliases: ['i am', 'iam'],
  usage: '<name>',
  summary: 'say which bb user you are; bb mails that user a code to confirm it',
  help: 'Links your chat identity to a bb user (the person behind commits and email). On IRC you must be logged in to services; on Matrix your id is vouched for by your homeserver. bb mails a one-time code to the address it knows for that user; say "verify <code>" from the same account to confirm. Until then the claim grants nothing.',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ args, message, api }) {
    const user = args[0]!;
    if (!USER_NAME_RE.test(user)) throw new UsageError(`"${user}" is not a bb user name (letters, digits, '.', '_' or '-')`);
    const out = await api.act('claim', { speaker: speakerOf(message), user });
    if (!out.ok) return `Cannot confirm that you are ${user}: ${out.problem}`;
    const where = message.isDirect ? 'here' : `here or in a DM to me`;
    return `I mailed a code to ${out.mailedTo}; say \`verify CODE\` ${where}. Until then your claim to be ${user} grants nothing.`;
  },
};
