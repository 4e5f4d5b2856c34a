import type { CommandSpec } from '../src/chat/command.js';
import { speakerOf } from '../src/chat/kit.js';

/** `verify <code>`: completes an `i am user` claim with the code bb mailed to that user. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  usage: '<code>',
  summary: 'confirm your "i am user" claim with the code bb mailed you',
  help: 'Say the code from the mail, from the same account that made the claim. Codes expire after 30 minutes; after 5 wrong codes the claim is void and you start again with "i am user <name>".',
  permission: 'anyone',
  minArgs: 1,
  maxArgs: 1,
  async run({ args, message, api }) {
    const out = await api.act('verify', { speaker: speakerOf(message), code: args[0]! });
    if (!out.ok) return `Not verified: ${out.problem}`;
    return `Verified: you are bb user ${out.claim.user}.`;
  },
};
