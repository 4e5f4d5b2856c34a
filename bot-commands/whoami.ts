import type { CommandSpec } from '../src/chat/command.js';
import type { WhoAmI } from '../src/chat/identity.js';

/** `whoami`: what bb knows about you: where you are, whether you are logged in, who you claim to be. */
export const whoamiCommand: CommandSpec = {
  name: 'whoami',
  aliases: ['who am i'],
  usage: '',
  summary: 'what bb knows about you: nick or id, verified account, claimed bb user',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ message, api }) {
    const me = await api.identity.whoami(message);
    return `${where(me)} ${claimed(me, api.botName)}`;
  },
};

function where(me: WhoAmI): string {
  if (me.transport === 'shell') return `You are ${me.sender} at bb's own terminal (shell), the local operator.`;
  if (me.transport === 'matrix') return `You are ${me.sender} on Matrix (your homeserver vouches for this id).`;
  return me.account
    ? `You are ${me.sender} on IRC, logged in to services as ${me.account}.`
    : `You are ${me.sender} on IRC, not logged in to services (your nick is not identified).`;
}

function claimed(me: WhoAmI, botName: string): string {
  if (!me.claim) return `You have not said which bb user you are; say "${botName}: i am user <name>".`;
  if (me.claim.verified) return `You are bb user ${me.claim.user} (verified).`;
  const next = me.awaitingCode ? `say "verify CODE" with the code mailed to ${me.claim.user}` : `say "${botName}: i am user ${me.claim.user}" for a new code`;
  return `You claim to be bb user ${me.claim.user} (not verified yet; it grants nothing: ${next}).`;
}
