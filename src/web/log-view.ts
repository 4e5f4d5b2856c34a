import type { ServerResponse } from 'node:http';
import type { Store } from '../data/store.js';
import { ansiLine, stripAnsi, type AnsiState } from './ansi.js';
import { html, maskEmails, raw, type Html } from './html.js';

/** Log chunks read per round trip at most (and at most LOG_READ_BYTES of them): a page of the log, never all of it. */
const BATCH = 500;

export interface LogLine {
  n: number;
  /** The line as written (escape sequences included). */
  text: string;
  html: string;
  err: boolean;
}

/** A window of a step's log, read in pages of chunks from its start. */
export interface LogWindow {
  lines: LogLine[];
  /** More lines follow the window. */
  more: boolean;
  /** Where live text continues (meaningful when !more): chunks read, and the line further text starts or continues. */
  chunk: number;
  line: number;
}

/**
 * Lines `start`.. of a step's log, at most `max` of them (with `grep`, only lines containing it).
 * Chunks are read a page at a time (`BATCH` chunks, at most LOG_READ_BYTES) and lines before
 * `start` are counted, not kept, so the first screen of a 200,000-line log costs one or two round
 * trips and well under a megabyte however its chunks are cut, and later screens no more memory.
 */
export async function logWindow(store: Store, buildId: number, step: number, start: number, max: number, grep?: string): Promise<LogWindow> {
  const lines: LogLine[] = [];
  const state: AnsiState = {};
  const needle = grep?.toLowerCase();
  let n = 1;
  let partial = '';
  let partialErr = false;
  let chunk = 0;
  const take = (text: string, err: boolean): boolean => {
    if (n >= start && (!needle || stripAnsi(text).toLowerCase().includes(needle))) {
      if (lines.length >= max) return false;
      lines.push({ n, text, html: ansiLine(text, state), err });
    } else if (n < start && text.includes('\x1b')) ansiLine(text, state);
    n += 1;
    return true;
  };
  for (;;) {
    const { chunks, end } = await store.logs.pageBudget(buildId, step, chunk, BATCH);
    for (const c of chunks) {
      chunk += 1;
      const err = c.stream === 'stderr';
      const parts = c.text.split('\n');
      for (let i = 0; i < parts.length - 1; i++) {
        // A line's stream is the one it started on.
        const started = i === 0 && partial ? partialErr : err;
        if (!take(i === 0 ? partial + parts[0] : parts[i]!, started)) return { lines, more: true, chunk, line: n };
      }
      const rest = parts[parts.length - 1]!;
      if (parts.length > 1) {
        partial = rest;
        partialErr = err;
      } else {
        if (!partial) partialErr = err;
        partial += rest;
      }
    }
    if (end) break;
  }
  if (partial && !take(partial, partialErr)) return { lines, more: true, chunk, line: n };
  return { lines, more: false, chunk, line: partial ? n - 1 : n };
}

/** How many lines a step's log has (an open last line counts), counted a page of chunks at a time. */
export async function countLines(store: Store, buildId: number, step: number): Promise<number> {
  let n = 0;
  let open = false;
  for (let from = 0; ; ) {
    const { chunks, end } = await store.logs.pageBudget(buildId, step, from, BATCH);
    from += chunks.length;
    for (const c of chunks) {
      if (!c.text) continue;
      for (let i = c.text.indexOf('\n'); i >= 0; i = c.text.indexOf('\n', i + 1)) n += 1;
      open = !c.text.endsWith('\n');
    }
    if (end) break;
  }
  return n + (open ? 1 : 0);
}

/** One log line as markup; `prefix` keeps ids unique where several steps share a page (`s2`). */
export function lineHtml(l: LogLine, prefix = ''): string {
  const id = `${prefix}L${l.n}`;
  return `<div class="ll${l.err ? ' e' : ''}" id="${id}"><a href="#${id}">${l.n}</a><span>${l.html}</span></div>`;
}

/** The lines as a block the live script can append to (data-* name where live text continues). */
export function logBlock(w: LogWindow, opts: { prefix?: string; live?: { step: number } } = {}): Html {
  const attrs = opts.live && !w.more ? html` data-step="${opts.live.step}" data-chunk="${w.chunk}" data-line="${w.line}"` : '';
  const prefix = opts.prefix ? html` data-prefix="${opts.prefix}"` : '';
  const body = raw(w.lines.map((l) => lineHtml(l, opts.prefix)).join(''));
  return html`<div class="log${opts.live ? ' live' : ''}"${prefix}${attrs}>${body}</div>`;
}

/** Streams a step's whole log as text, one page of chunks at a time (emails shortened). */
export async function streamRawLog(store: Store, buildId: number, step: number, res: ServerResponse): Promise<void> {
  for (let from = 0; ; ) {
    const { chunks, end } = await store.logs.pageBudget(buildId, step, from, BATCH);
    from += chunks.length;
    const text = maskEmails(chunks.map((c) => c.text).join(''));
    if (text && !res.write(text)) await new Promise((r) => res.once('drain', r));
    if (end || res.destroyed) break;
  }
  res.end();
}
