import type irc from 'irc-framework';
import type { ChatMessage } from '../transport.js';

/** Bold, colour (with its numbers), hex colour, reset, reverse, italic, strike, underline, monospace. */
const FORMATTING = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

export function stripFormatting(text: string): string {
  return text.replace(FORMATTING, '');
}

export interface IncomingContext {
  /** The bot's nick right now. */
  ownNick: string;
  /** Nicks whose messages are never commands (services). */
  ignoreNicks: string[];
  /** Compares nicks by the server's case mapping. */
  same(a: string, b: string): boolean;
  isChannel(target: string): boolean;
}

/**
 * A PRIVMSG as a ChatMessage, or null when it is nothing for the bot: from the server, its own
 * echo, from services, or to a target that is neither the bot nor a channel. `account` is the
 * services account from the account-tag (null when the sender is not logged in).
 */
export function toChatMessage(e: irc.MessageEvent, ctx: IncomingContext): ChatMessage | null {
  if (e.from_server || !e.nick) return null;
  if (ctx.same(e.nick, ctx.ownNick)) return null;
  if (ctx.ignoreNicks.some((n) => ctx.same(n, e.nick))) return null;
  const isDirect = ctx.same(e.target, ctx.ownNick);
  if (!isDirect && !ctx.isChannel(e.target)) return null;
  const account = typeof e.account === 'string' && e.account !== '' && e.account !== '*' ? e.account : null;
  return {
    transport: 'irc',
    channel: isDirect ? null : e.target,
    replyTo: isDirect ? e.nick : e.target,
    sender: e.nick,
    account,
    text: stripFormatting(e.message),
    isDirect,
  };
}
