export const DEFAULT_MAX_MESSAGE_CHARS = 8000;
/** Synapse refuses events over 64 KiB; leave room for the rest of the event and JSON escapes. */
const MAX_CONTENT_BYTES = 48_000;

/** A notice's content as sent: plain body, and HTML only when it fits. */
export interface OutgoingNotice {
  text: string;
  html?: string;
}

/**
 * Caps a message so it stays readable and no homeserver refuses it. Plain text is cut at `max`
 * characters and marked (`moreHint` says where the rest can be read). HTML is kept only when the
 * text was not cut and both fit in the event: half an HTML document renders worse than plain text.
 */
export function capNotice(text: string, html: string | undefined, max = DEFAULT_MAX_MESSAGE_CHARS, moreHint?: string): OutgoingNotice {
  const mark = `\n… (cut: message too long${moreHint ? `; the rest: ${moreHint}` : ''})`;
  const fitted = text.length > max ? text.slice(0, Math.max(0, max - mark.length)) + mark : text;
  if (html === undefined || fitted !== text) return { text: fitted };
  if (Buffer.byteLength(html) + Buffer.byteLength(fitted) > MAX_CONTENT_BYTES) return { text: fitted };
  return { text: fitted, html };
}
