interface MessageEvent {
  type?: unknown;
  sender?: unknown;
  content?: { msgtype?: unknown; body?: unknown; 'm.relates_to'?: { rel_type?: unknown } };
}

/**
 * The command text of an `m.room.message` event, or null when the bot must not act on it: not
 * `m.text` (notices are what bots send one another), from the bot itself, or an edit of an
 * earlier message. A reply's quoted fallback is dropped; a mention by Matrix ID reads as one by name.
 */
export function incomingText(raw: unknown, botUserId: string, botName: string): string | null {
  const ev = raw as MessageEvent;
  if (ev.type !== 'm.room.message' || typeof ev.sender !== 'string' || ev.sender === botUserId) return null;
  const content = ev.content;
  if (!content || content.msgtype !== 'm.text' || typeof content.body !== 'string') return null;
  if (content['m.relates_to']?.rel_type === 'm.replace') return null;
  return addressByName(stripReplyFallback(content.body), botUserId, botName);
}

/** A reply's body starts with the quoted message (`> <@a:b> ...` lines, then a blank line). */
export function stripReplyFallback(body: string): string {
  if (!body.startsWith('> ')) return body;
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  if (i < lines.length && lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

/** `@bb:example.org: status` (a mention by ID) reads as `bb: status`. */
export function addressByName(text: string, botUserId: string, botName: string): string {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith(botUserId)) return text;
  const rest = trimmed.slice(botUserId.length);
  const sep = /^(?:[:,]\s*|\s+|$)/.exec(rest);
  return sep ? `${botName}: ${rest.slice(sep[0].length)}` : text;
}
