import type { ChatMessage, TransportKind } from '../chat/transport.js';

/**
 * Who hears an announcement: a channel or room (`irc:#dev`, `matrix:!abc:server`, `shell:#bb`), or
 * one person in direct messages on one transport.
 */
export type Audience =
  | { kind: 'channel'; transport: TransportKind; channel: string }
  | { kind: 'direct'; transport: TransportKind; user: string };

const TRANSPORTS: readonly TransportKind[] = ['irc', 'matrix', 'shell'];

/** Where a command was said: that channel, or the sender's DMs (their verified account when known). */
export function audienceOf(message: ChatMessage): Audience {
  if (message.isDirect || message.channel === null) {
    return { kind: 'direct', transport: message.transport, user: fold(message.transport, message.account ?? message.sender) };
  }
  return { kind: 'channel', transport: message.transport, channel: fold(message.transport, message.replyTo) };
}

/**
 * The stable string of an audience, used as its Redis key part: a channel is its outbox target
 * (`irc:#dev`), a person is `dm:<transport>:<user>`.
 */
export function audienceKey(a: Audience): string {
  return a.kind === 'channel' ? `${a.transport}:${a.channel}` : `dm:${a.transport}:${a.user}`;
}

/** The audience of a key made by `audienceKey` or a config target (`irc:#dev`); null when malformed. */
export function parseAudienceKey(key: string): Audience | null {
  const dm = key.startsWith('dm:');
  const rest = dm ? key.slice(3) : key;
  const colon = rest.indexOf(':');
  const transport = rest.slice(0, colon) as TransportKind;
  const name = rest.slice(colon + 1);
  if (colon < 0 || !TRANSPORTS.includes(transport) || !name) return null;
  return dm ? { kind: 'direct', transport, user: fold(transport, name) } : { kind: 'channel', transport, channel: fold(transport, name) };
}

/** How a reply names the audience: `#dev`, or `your DMs`. */
export function describeAudience(a: Audience): string {
  return a.kind === 'channel' ? a.channel : 'your DMs';
}

/** IRC names are case-insensitive, so `#Dev` and `#dev` are one channel; Matrix IDs are not. */
function fold(transport: TransportKind, name: string): string {
  return transport === 'irc' ? name.toLowerCase() : name;
}
