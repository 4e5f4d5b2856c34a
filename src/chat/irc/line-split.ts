const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** NUL can cut a line short on the server; \x01 would turn the text into a CTCP request. */
const UNSAFE = /[\0\x01]/g;

/**
 * Text as IRC lines: one per line of the text (CR, LF and CRLF all end a line, so nothing in the
 * text can start a new IRC command), blank lines dropped, each line cut to at most `maxBytes` of
 * UTF-8. A cut never splits a character (nor a grapheme, where one fits) and falls after a space
 * when there is one in the second half of the line.
 */
export function splitText(text: string, maxBytes: number): string[] {
  const max = Math.max(16, Math.floor(maxBytes));
  const out: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(UNSAFE, '').trimEnd();
    if (line.trim() === '') continue;
    let pos = 0;
    while (pos < line.length) {
      const end = cutPoint(line, pos, max);
      const piece = line.slice(pos, end).trimEnd();
      if (piece) out.push(piece);
      pos = end;
      while (pos < line.length && line[pos] === ' ') pos++;
    }
  }
  return out;
}

/** Index where the line starting at `pos` must end to fit `max` bytes. */
function cutPoint(line: string, pos: number, max: number): number {
  // A piece of `max` bytes holds at most `max` UTF-16 units; a few more finish the last grapheme.
  const window = line.slice(pos, pos + max + 8);
  if (pos + window.length >= line.length && Buffer.byteLength(window) <= max) return line.length;
  let bytes = 0;
  let end = 0;
  let afterSpace = 0;
  for (const { segment, index } of graphemes.segment(window)) {
    const size = Buffer.byteLength(segment);
    if (bytes + size > max) break;
    bytes += size;
    end = index + segment.length;
    if (/\s/.test(segment) && bytes >= max / 2) afterSpace = end;
  }
  if (end === 0) end = codePointCut(window, max);
  return pos + (afterSpace || end);
}

/** For a grapheme longer than a whole line: cut between code points. */
function codePointCut(s: string, max: number): number {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > max) break;
    bytes += size;
    end += ch.length;
  }
  return Math.max(end, 1);
}
