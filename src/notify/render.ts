import type { Transition } from './classify.js';
import type { News, Shortlist } from './news.js';
import { plainStyle, type Style } from './style.js';
import { htmlStyle } from './html-style.js';
import { ircColourStyle } from './irc-style.js';
import type { TransportKind } from '../chat/transport.js';

const NOTE: Partial<Record<Transition, string>> = {
  fixed: 'fixed',
  broke: 'new failure',
  'still failing': 'still failing',
  'failing differently': 'failing differently',
};

/**
 * One announcement as one line in a style. Layout:
 * `linux #12: FAILURE (new failure) in test; failed tests: a, b +1 more | 0123456789 by Alice | <link>`.
 * Every string from the news passes through the style, so HTML output is escaped throughout.
 */
export function render(news: News, style: Style): string {
  const t = style.text;
  switch (news.kind) {
    case 'finished': {
      let head = `${style.bold(t(news.builder))} #${news.number}: ${style.result(news.result)}`;
      const note = NOTE[news.transition];
      if (note) head += ` (${note})`;
      if (news.reason) head += ` (${t(news.reason)})`;
      if (news.steps.shown.length) head += ` in ${list(news.steps, style)}`;
      if (news.tests.shown.length) head += `; failed tests: ${list(news.tests, style)}`;
      if (news.testsCounted) head += `; ${t(news.testsCounted)} failed`;
      if (news.newTests?.shown.length) head += `; new failing tests: ${list(news.newTests, style)}`;
      if (news.flakyTests?.shown.length) head += `; flaky: ${list(news.flakyTests, style)}`;
      return sections(style, head, source(news.revision, news.authors, style), news.url);
    }
    case 'started':
      return sections(style, `${style.bold(t(news.builder))} #${news.number} started on ${t(news.executor)}`, source(news.revision, news.authors, style), news.url);
    case 'executor':
      return `executor ${style.bold(t(news.name))} ${news.state}${news.detail ? ` (${t(news.detail)})` : ''}`;
    case 'problem':
      return problemLine(news, style);
  }
}

/**
 * `problem #3 opened: a.b fails on linux, mac since 0123456789ab | guilty warner`,
 * `problem #3 is flaky: a.b failed on linux at 0123456789ab (passed on a rerun of the same revision; nobody is hassled)`,
 * `problem #3 resolved: a.b passes again on linux, mac`;
 * with many tests, a count instead of names and where the whole list is:
 * `problem #3 opened: 46 tests in test_parse.py and 5 more files fail on linux since 0123456789ab | guilty warner | <link>`.
 */
function problemLine(news: Extract<News, { kind: 'problem' }>, style: Style): string {
  const head = style.bold(`problem #${news.id}`);
  const what = news.counted ? style.text(news.counted) : list(news.subjects, style);
  const one = !news.counted && news.subjects.shown.length + news.subjects.more <= 1;
  const where = names(news.builders, style);
  const tail = [...(news.rest ? [style.text(news.rest)] : []), ...(news.url ? [style.link(news.url)] : [])];
  return [problemHead(news, style, head, what, one, where), ...tail].join(style.text(' | '));
}

function problemHead(news: Extract<News, { kind: 'problem' }>, style: Style, head: string, what: string, one: boolean, where: string): string {
  switch (news.event) {
    case 'opened': {
      const guilty = news.guilty.shown.length ? `guilty ${names(news.guilty, style)}` : 'nobody blamed';
      return [`${head} opened: ${what} ${one ? 'fails' : 'fail'} on ${where} since ${style.code(news.revision)}`, guilty].join(style.text(' | '));
    }
    case 'flaky':
      return `${head} is flaky: ${what} failed on ${where} at ${style.code(news.revision)} (passed on a rerun of the same revision; nobody is hassled)`;
    case 'resolved': {
      const fix = news.fixedRevision ? ` (fixed in ${style.code(news.fixedRevision)}${news.fixedBy ? ` by ${style.text(news.fixedBy)}` : ''})` : '';
      return `${head} resolved: ${what} ${one ? 'passes' : 'pass'} again on ${where}${fix}`;
    }
  }
}

function names(items: Shortlist, style: Style): string {
  return `${items.shown.map(style.text).join(', ')}${more(items, style)}`;
}

function source(revision: string, authors: Shortlist, style: Style): string {
  const by = authors.shown.length ? ` by ${authors.shown.map(style.text).join(', ')}${more(authors, style)}` : '';
  return `${style.code(revision)}${by}`;
}

function list(items: Shortlist, style: Style): string {
  return `${items.shown.map(style.code).join(', ')}${more(items, style)}`;
}

function more(items: Shortlist, style: Style): string {
  return items.more ? style.text(` +${items.more} more`) : '';
}

function sections(style: Style, head: string, src: string, url: string | undefined): string {
  return [head, src, ...(url ? [style.link(url)] : [])].join(style.text(' | '));
}

/** What to send on one transport: IRC plain (mIRC colours when asked), Matrix plain and HTML, shell plain. */
export function renderFor(news: News, transport: TransportKind, opts: { ircColours?: boolean } = {}): { text: string; html?: string } {
  if (transport === 'matrix') return { text: render(news, plainStyle), html: render(news, htmlStyle) };
  return { text: render(news, transport === 'irc' && opts.ircColours ? ircColourStyle : plainStyle) };
}
