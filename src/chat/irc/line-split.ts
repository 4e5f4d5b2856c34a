const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** NUL can cut a line short on the server; \x01 would turn the text into a CTCP request. */
const UNSAFE = /[\0\x01]/g;

/**
 * Text as IRC lines: one per line of the text (CR, LF and CRLF all end a line, so nothing in the
 * text can start a new IRC command), blank lines dropped, each line cut to at most `maxBytes` of
 * UTF-8. A cut never splits a character (nor a grapheme, where one fits) and falls after a space
 * when there is one in the second half of the line. It never falls inside a quoted command
 * (`"bb: ack 1"`) or a URL unless that alone is longer than a line: the cut moves before it.
 */
export function splitText(text: string, maxBytes: number): string[] {
  const max = Math.max(16, Math.floor(maxBytes));
  const out: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.replace(UNSAFE, '').trimEnd();
    if (line.trim() === '') continue;
    const keep = keptWhole(line);
    let pos = 0;
    while (pos < line.length) {
      const end = cutPoint(line, pos, max, keep);
      const piece = line.slice(pos, end).trimEnd();
      if (piece) out.push(piece);
      pos = end;
      while (pos < line.length && line[pos] === ' ') pos++;
    }
  }
  return out;
}

/** Quoted text (up to 100 characters) and URLs: [start, end) spans a cut should not fall inside. */
function keptWhole(line: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of line.matchAll(/"[^"\s][^"]{0,98}"|\b[a-z][a-z0-9+.-]*:\/\/[^\s"<>]+/gi)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

const inside = (spans: Array<[number, number]>, at: number) => spans.some(([a, b]) => at > a && at < b);

/** Index where the line starting at `pos` must end to fit `max` bytes. */
function cutPoint(line: string, pos: number, max: number, keep: Array<[number, number]> = []): number {
  // A piece of `max` bytes holds at most `max` UTF-16 units; a few more finish the last grapheme.
  const window = line.slice(pos, pos + max + 8);
  if (pos + window.length >= line.length && Buffer.byteLength(window) <= max) return line.length;
  let bytes = 0;
  let end = 0;
  let afterSpace = 0;
  /** The last break after a space outside kept spans, however early. */
  let anySpace = 0;
  for (const { segment, index } of graphemes.segment(window)) {
    const size = Buffer.byteLength(segment);
    if (bytes + size > max) break;
    bytes += size;
    end = index + segment.length;
    if (/\s/.test(segment) && !inside(keep, pos + end)) {
      anySpace = end;
      if (bytes >= max / 2) afterSpace = end;
    }
  }
  if (end === 0) end = codePointCut(window, max);
  if (afterSpace) return pos + afterSpace;
  // A hard cut inside a quoted command or URL moves back to a space before it, if there is one.
  if (inside(keep, pos + end) && anySpace) return pos + anySpace;
  const span = keep.find(([a, b]) => pos + end > a && pos + end < b);
  if (span && span[0] > pos) return span[0];
  return pos + end;
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
