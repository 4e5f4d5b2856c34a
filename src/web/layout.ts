import type { Build } from '../model/build.js';
import { html, raw, type Html } from './html.js';

export interface PageOptions {
  title: string;
  /** The site's title (the config's `title`). */
  site: string;
  /** A URL the page's live script follows (Server-Sent Events), if any. */
  live?: string;
  /** Set while a page is itself a live view (no caching). */
  refreshable?: boolean;
}

const NAV: Array<[string, string]> = [
  ['/', 'console'],
  ['/problems', 'problems'],
  ['/tiers', 'tiers'],
  ['/packages', 'packages'],
  ['/tree', 'tree'],
];

/** A whole page: the shared head (one stylesheet, one small script, both same-origin) and navigation. */
export function page(opts: PageOptions, body: Html): string {
  const live = opts.live ? html` data-live="${opts.live}"` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ${opts.site}</title><link rel="stylesheet" href="/static/bb.css"><script src="/static/bb.js" defer></script></head>
<body${live}><header><a class="site" href="/">${opts.site}</a><nav>${NAV.map(([h, t]) => html`<a href="${h}">${t}</a> `)}</nav></header>
<main>${body}</main></body></html>
`.text;
}

/** A result as coloured text: the word is always there, colour only adds to it. */
export function resultBadge(result: string | undefined, state?: string): Html {
  const word = result ?? state ?? 'pending';
  return html`<span class="res r-${word}">${word}</span>`;
}

/** The word and class for a build: its result, or its state while it has none. */
export function buildWord(b: Build): string {
  return b.result ?? b.state;
}

export function fmtTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function timeTag(ms: number | undefined): Html {
  if (ms === undefined) return html``;
  return html`<time datetime="${new Date(ms).toISOString()}">${fmtTime(ms)}</time>`;
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function buildDuration(b: { startedAt?: number; finishedAt?: number }, now: number): string {
  if (b.startedAt === undefined) return '';
  return fmtDuration((b.finishedAt ?? now) - b.startedAt);
}

/** A table from a header row and body rows (each already markup). */
export function table(head: string[], rows: Html[], cls = ''): Html {
  if (!rows.length) return html`<p class="none">none</p>`;
  return html`<table class="${cls}"><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}


export const nbsp = raw('&nbsp;');

/** A coloured word whose colour comes from `cls` (a result name) and whose text says it. */
export function badge(cls: string, text: string): Html {
  return html`<span class="res r-${cls}">${text}</span>`;
}
