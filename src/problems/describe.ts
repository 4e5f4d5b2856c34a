import type { HassleEntry } from '../model/hassle.js';
import type { Problem } from '../model/problem.js';
import { shortRev } from '../model/revision.js';
import { maskEmail } from '../users/email.js';
import { headline, subjectsBlock, testsOf, type Pointers } from './subject-text.js';
import { allTests, clipName, groupingLine, type ListedTest, type TestRef } from './test-names.js';

/**
 * A Problem in words, the same in chat (`problems`, `problem N`, `problem N tests`) and on the
 * command line (`bb problems`, `bb problem N [--tests]`). Pure: the caller reads the store.
 */

export function short(rev: string | undefined): string {
  return shortRev(rev);
}

export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/** `#3 [confirmed] 46 tests in test_parse.py and 5 more files on linux since 0123456789ab (2h ago); guilty warner`. */
export function oneLine(p: Problem, now = Date.now()): string {
  const guilty = p.guilty.length ? `; guilty ${p.guilty.join(', ')}` : '';
  return `#${p.id} [${p.state}] ${headline(p)} on ${p.builders.map((b) => b.builder).join(', ')} since ${short(p.firstBadRevision)} (${ago(p.openedAt, now)})${guilty}`;
}

/**
 * Everything about one Problem but the reminders: what fails (a count, then the names that fit in
 * `listChars` and where the rest is), builders, revisions, guilty and responsible, acks.
 */
export function details(p: Problem, at: Pointers, listChars = 260, now = Date.now()): string[] {
  const lines = [
    `Problem ${p.id} [${p.state}]: ${headline(p)}`,
    ...subjectsBlock(p, at, listChars),
    `builders: ${p.builders.map((b) => `${b.builder} (first bad #${b.firstBadNumber}${b.fixedAt ? ', fixed' : ''})`).join(', ')}`,
    `since ${new Date(p.openedAt).toISOString()} (${ago(p.openedAt, now)}); revisions ${short(p.lastGoodRevision)}..${short(p.firstBadRevision)} (last good..first bad)`,
    `guilty: ${p.guilty.join(', ') || 'nobody found'}${p.blameNote ? ` (${p.blameNote})` : ''}; responsible: ${p.responsible.join(', ') || 'nobody'}`,
  ];
  if (p.interested.length) lines.push(`interested: ${p.interested.join(', ')}`);
  if (p.acks.length) lines.push(`acked by ${p.acks.map((a) => `${a.user} ${ago(a.at, now)}${a.note ? ` ("${a.note}")` : ''}`).join(', ')}`);
  if (p.notMe.length) lines.push(`not me: ${p.notMe.map((a) => `${a.user}${a.note ? ` ("${a.note}")` : ''}`).join(', ')}`);
  if (p.snoozedUntil && p.snoozedUntil > now) lines.push(`snoozed until ${new Date(p.snoozedUntil).toISOString()}`);
  if (p.resolvedAt) lines.push(`resolved ${ago(p.resolvedAt, now)}`);
  return lines;
}

/** The hassle history, newest last: `L2 12m ago: email to warner (w***@example.org) sent`. At most `max` lines, the newest. */
export function historyLines(entries: HassleEntry[], max = 8, now = Date.now()): string[] {
  if (!entries.length) return ['reminders: none sent'];
  const shown = entries.slice(-max).map((e) => {
    const where = e.via === 'none' ? '' : e.via === 'channel' ? ` in ${e.to}` : ` by ${e.via} to ${e.to}`;
    const note = e.note ? ` (${e.note.replace(/[^\s:<>]+@([^\s:<>]+)/g, (m) => maskEmail(m))})` : '';
    return `${e.step} ${ago(e.at, now)}: ${e.outcome}${where}${note}`;
  });
  return [`reminders (${entries.length}${entries.length > max ? `, last ${max} shown` : ''}):`, ...shown];
}

export type { ListedTest } from './test-names.js';

/** Every test of the Problem, grouped by file, named as stored (qualified within the build that found it); a Problem stored before names were kept is qualified within `universe`. */
export function problemTests(p: Problem, universe?: TestRef[]): ListedTest[] {
  return allTests(testsOf(p), universe);
}

/** The full list as text lines: `test_parse.py (8):` then one indented name a line; steps last. */
export function testListLines(p: Problem, universe?: TestRef[]): string[] {
  return listLines(problemTests(p, universe), p.subjects.filter((s) => s.kind === 'step').map((s) => s.name));
}

/** The same from a list already made (`/api/problems/<n>/tests`): a heading per file, one name a line; steps last. */
export function listLines(list: ListedTest[], steps: string[]): string[] {
  const lines: string[] = [];
  let group: string | undefined;
  const size = new Map<string, number>();
  for (const t of list) size.set(t.group, (size.get(t.group) ?? 0) + 1);
  for (const t of list) {
    if (t.group !== group) lines.push(`${(group = t.group)} (${size.get(t.group)}):`);
    lines.push(`  ${t.label}`);
  }
  if (steps.length) lines.push(`steps (${steps.length}):`, ...steps.map((s) => `  ${s}`));
  return lines;
}

/** Longest line of a page of names in chat (IRC lines hold about 400 bytes). */
const PAGE_LINE_CHARS = 300;

/**
 * One page of the full list for chat: a heading with the grouping, lines of names packed by file
 * (`test_parse.py (8): a, b, c`), and how to get the next page. Pages count from 1; `perPage` lines of names.
 */
export function testPage(p: Problem, page: number, perPage: number, botName: string, universe?: TestRef[]): string[] {
  const lines = packed(problemTests(p, universe));
  const steps = p.subjects.filter((s) => s.kind === 'step').map((s) => s.name);
  if (steps.length) lines.push(`steps (${steps.length}): ${steps.join(', ')}`);
  const pages = Math.max(1, Math.ceil(lines.length / perPage));
  if (page > pages) return [`Problem ${p.id} has ${pages === 1 ? 'one page' : `${pages} pages`} of tests; say "${botName}: problem ${p.id} tests${pages === 1 ? '' : ` ${pages}`}".`];
  const tests = testsOf(p);
  const what = tests.length ? groupingLine(tests) : `${steps.length} ${steps.length === 1 ? 'step' : 'steps'}`;
  const head = `Problem ${p.id}: ${what}${pages > 1 ? `; page ${page} of ${pages}` : ''}:`;
  const body = lines.slice((page - 1) * perPage, page * perPage);
  const next = page < pages ? [`Next: "${botName}: problem ${p.id} tests ${page + 1}" (page ${page + 1} of ${pages}).`] : [];
  return [head, ...body, ...next];
}

/** Names packed into lines per file; a file's names continue on the next line when one is full. */
function packed(list: ListedTest[]): string[] {
  const lines: string[] = [];
  const size = new Map<string, number>();
  for (const t of list) size.set(t.group, (size.get(t.group) ?? 0) + 1);
  let line = '';
  let group: string | undefined;
  for (const t of list) {
    const name = clipName(t.label, 200);
    if (t.group !== group) {
      if (line) lines.push(line);
      line = `${(group = t.group)} (${size.get(t.group)}): ${name}`;
    } else if (line.length + name.length + 2 > PAGE_LINE_CHARS) {
      lines.push(`${line},`);
      line = `  ${name}`;
    } else line += `, ${name}`;
  }
  if (line) lines.push(line);
  return lines;
}
