/**
 * HTML built by a tagged template: every interpolated value is escaped unless it is already `Html`
 * (made by `html` itself or by `raw` for markup bb wrote). Arrays are joined. Text shown on the web
 * also has its email addresses shortened (`warner@…`): an address is never shown in full.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const EMAIL = /([A-Za-z0-9._%+-]+)@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Shortens every email address in `s` to its local part and `@…`. */
export function maskEmails(s: string): string {
  return s.includes('@') ? s.replace(EMAIL, '$1@…') : s;
}

/** Escapes text for HTML content and quoted attribute values, emails shortened. */
const SPECIAL = /[&<>"']/;
const SPECIALS = /[&<>"']/g;

export function escape(s: string): string {
  const m = maskEmails(s);
  // Most text (builder names, numbers, paths) has nothing to escape: no replace, no new string.
  return SPECIAL.test(m) ? m.replace(SPECIALS, (c) => ESC[c]!) : m;
}

function part(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.text;
  if (Array.isArray(p)) return p.map(part).join('');
  return escape(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += part(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup bb wrote itself (never text from a commit, log, test or user). */
export function raw(s: string): Html {
  return new Html(s);
}

/** A link to another site, only for http(s) addresses (a `javascript:` or `data:` one stays text). */
export function outLink(url: string | undefined, label: string): Html {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return html`${label}`;
  return html`<a href="${url}" rel="noopener noreferrer nofollow">${label}</a>`;
}

/** A path made of fixed parts and escaped segments: `path('builders', name, 'builds', 3)`. */
export function href(...segments: Array<string | number>): string {
  return '/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}
