import type { Result } from '../model/results.js';
import { inline } from '../util/safe-text.js';
import type { Style } from './style.js';

const RESULT_COLOUR: Record<Result, string> = {
  SUCCESS: '#2e7d32',
  WARNINGS: '#ef6c00',
  FAILURE: '#c62828',
  EXCEPTION: '#6a1b9a',
  SKIPPED: '#757575',
  RETRY: '#757575',
  CANCELLED: '#757575',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]!};`);
}

/** Matrix's HTML subset (org.matrix.custom.html): bold, code, coloured result, links. */
export const htmlStyle: Style = {
  text: (s) => escapeHtml(inline(s)),
  code: (s) => `<code>${escapeHtml(inline(s))}</code>`,
  bold: (s) => `<b>${s}</b>`,
  result: (r) => {
    const colour = RESULT_COLOUR[r] ?? '#757575';
    return `<font color="${colour}" data-mx-color="${colour}"><b>${escapeHtml(r)}</b></font>`;
  },
  // Only web links become anchors; anything else stays text.
  link: (url) => (/^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>` : escapeHtml(url)),
};
