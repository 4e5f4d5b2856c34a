/**
 * The one sanitiser for text that came from outside (commit authors and messages, test names,
 * what people said) on its way to chat: no field may add a line, IRC formatting (bold, colour,
 * reverse, reset), a CTCP request, or reorder what follows it (bidirectional overrides).
 *
 * Removed: C0 controls (CR, LF, tab and the IRC formatting bytes among them), DEL, C1 controls,
 * Unicode line/paragraph separators and the bidirectional marks, embeddings, overrides and isolates.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_HTML = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** An IRC colour code with its digits (`\x0304,01`), and a hex colour (`\x04ff0000`): removed whole. */
// eslint-disable-next-line no-control-regex
const COLOUR = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?/g;

/** `s` with each run of unsafe characters made one space; nothing else changes (spacing kept). */
export function inline(s: string): string {
  return s.replace(COLOUR, '').replace(UNSAFE, ' ');
}

/** `s` as one clean line: each run of unsafe characters becomes a space, runs of spaces one, ends trimmed. */
export function oneLine(s: string): string {
  return inline(s).replace(/\s+/g, ' ').trim();
}

/** `oneLine(s)` cut to at most `max` characters (the last one `…` when cut). */
export function clipLine(s: string, max: number): string {
  // Cut before cleaning too, so a huge input costs no more than a short one.
  const line = oneLine(s.length > max * 4 + 64 ? s.slice(0, max * 4 + 64) : s);
  return line.length > max ? `${line.slice(0, Math.max(1, max - 1))}…` : line;
}

/** How much of what a person said a reply repeats back to them. */
export const ECHO_MAX = 40;

/** A short, clean slice of what a person said, for a reply to quote. */
export function echo(s: string): string {
  return clipLine(s, ECHO_MAX);
}

/** HTML for Matrix with the same characters removed (markup and newlines are the caller's). */
export function safeHtml(html: string): string {
  return html.replace(UNSAFE_HTML, '');
}
