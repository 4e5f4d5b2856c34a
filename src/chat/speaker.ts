import type { Speaker } from '../actions/action.js';
import type { ChatMessage } from './transport.js';

/** Who said a message, as the actions that act for the speaker take it (src/actions/people.ts). */
export function speakerOf(m: ChatMessage): Speaker {
  return { transport: m.transport, sender: m.sender, account: m.account, channel: m.channel, isDirect: m.isDirect };
}
