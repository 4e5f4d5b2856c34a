import { escape } from './html.js';

/**
 * ANSI colours (SGR) to HTML spans with classes, one line at a time, the state carried from line to
 * line. Classes, not inline styles, so pages keep a strict Content-Security-Policy (style-src 'self'):
 * the 16 standard colours (`f0`..`f15`, `b0`..`b15`, 256-colour codes below 16 too), bold, dim,
 * italic and underline. Other escape sequences are dropped; text is escaped like all other text.
 */
export interface AnsiState {
  fg?: number;
  bg?: number;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

// CSI sequences (ESC [ params final), OSC sequences (ESC ] ... BEL/ST) and two-byte escapes.
const ESCAPES = /\x1b\[([0-9;:?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]?/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

function classes(s: AnsiState): string {
  const c: string[] = [];
  if (s.fg !== undefined) c.push(`f${s.fg}`);
  if (s.bg !== undefined) c.push(`b${s.bg}`);
  if (s.bold) c.push('ab');
  if (s.dim) c.push('ad');
  if (s.italic) c.push('ai');
  if (s.underline) c.push('au');
  return c.join(' ');
}

function applySgr(params: string, s: AnsiState): void {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const n = codes[i]!;
    if (n === 0) {
      for (const k of Object.keys(s)) delete s[k as keyof AnsiState];
    } else if (n === 1) s.bold = true;
    else if (n === 2) s.dim = true;
    else if (n === 3) s.italic = true;
    else if (n === 4) s.underline = true;
    else if (n === 22) s.bold = s.dim = false;
    else if (n === 23) s.italic = false;
    else if (n === 24) s.underline = false;
    else if (n >= 30 && n <= 37) s.fg = n - 30;
    else if (n >= 90 && n <= 97) s.fg = n - 90 + 8;
    else if (n === 39) delete s.fg;
    else if (n >= 40 && n <= 47) s.bg = n - 40;
    else if (n >= 100 && n <= 107) s.bg = n - 100 + 8;
    else if (n === 49) delete s.bg;
    else if (n === 38 || n === 48) {
      // 38;5;n (palette) keeps the 16 standard colours; 38;2;r;g;b (true colour) is skipped.
      const mode = codes[i + 1];
      if (mode === 5) {
        const idx = codes[i + 2] ?? 0;
        if (idx < 16) {
          if (n === 38) s.fg = idx;
          else s.bg = idx;
        }
        i += 2;
      } else if (mode === 2) i += 4;
    }
  }
}

/** One line (without its newline) as HTML; `state` is read and updated. */
export function ansiLine(text: string, state: AnsiState): string {
  // A carriage return rewrites the line from its start, as a terminal shows progress bars.
  const cr = text.lastIndexOf('\r', text.length - 2);
  if (cr >= 0) text = text.slice(cr + 1);
  let out = '';
  let open = classes(state);
  let last = 0;
  const emit = (piece: string) => {
    const t = piece.replace(CONTROL, '');
    if (!t) return;
    out += open ? `<span class="${open}">${escape(t)}</span>` : escape(t);
  };
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(text); m; m = ESCAPES.exec(text)) {
    emit(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'm') {
      applySgr(m[1] ?? '', state);
      open = classes(state);
    }
  }
  emit(text.slice(last));
  return out;
}

/** Text without its escape sequences (raw downloads, search). */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPES, '');
}
