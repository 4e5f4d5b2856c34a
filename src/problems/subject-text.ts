import { subjectLabel, type Problem } from '../model/problem.js';
import { clipName, countLine, groupingLine, listTests, type TestRef } from './test-names.js';

/**
 * What a Problem is about, in words that stay short however many tests broke: a headline for
 * subject lines and first lines, a block listing what fits, and where the whole list is.
 */

/** Where the whole list can be read: the bot's name on chat, and the web pages' base address. */
export interface Pointers {
  botName: string;
  titleUrl?: string | undefined;
}

/** `<titleUrl>/problems/<id>`, or undefined without a titleUrl. */
export function problemUrl(titleUrl: string | undefined, id: number): string | undefined {
  return titleUrl ? `${titleUrl.replace(/\/+$/, '')}/problems/${id}` : undefined;
}

/** `the whole list: "bb problem 7 --tests" on the command line, "bb: problem 7 tests" by DM, or <url>`. */
export function wholeList(id: number, at: Pointers): string {
  const url = problemUrl(at.titleUrl, id);
  return `the whole list: "bb problem ${id} --tests" on the command line, "${at.botName}: problem ${id} tests" by DM${url ? `, or ${url}` : ''}`;
}

export function testsOf(p: Problem): TestRef[] {
  return p.subjects.filter((s) => s.kind === 'test');
}

function stepsOf(p: Problem): string[] {
  return p.subjects.filter((s) => s.kind === 'step').map(subjectLabel);
}

/** Headlines longer than this give counts instead of names. */
const HEADLINE_NAMES_MAX = 100;

/**
 * What fails, in one short line: up to three names when they are short, else a count and the
 * biggest file (`46 tests in test_parse.py and 5 more files`), and the steps.
 */
export function headline(p: Problem): string {
  const names = p.subjects.map(subjectLabel).map((n) => clipName(n));
  if (names.length === 1) return names[0]!;
  if (names.length <= 3 && names.join(', ').length <= HEADLINE_NAMES_MAX) return names.join(', ');
  const steps = stepsOf(p);
  const tests = testsOf(p);
  const parts: string[] = [];
  if (tests.length) parts.push(countLine(tests));
  if (steps.length) parts.push(steps.length <= 2 && steps.join(', ').length <= 40 ? steps.map((s) => clipName(s, 40)).join(', ') : `${steps.length} steps`);
  return parts.join(' and ');
}

/** Whether the headline leaves names out (the block below it then lists them). */
export function isSummarised(p: Problem): boolean {
  return headline(p) !== p.subjects.map(subjectLabel).map((n) => clipName(n)).join(', ');
}

/**
 * The names below the headline: the grouping first (`46 tests in 3 files (43 in …)`), then names
 * by file as many as fit in `maxChars`, and, when some are left out, where the whole list is.
 * Empty when the headline already names everything.
 */
export function subjectsBlock(p: Problem, at: Pointers, maxChars: number, oneEach = false): string[] {
  if (!isSummarised(p)) return [];
  const tests = testsOf(p);
  const steps = stepsOf(p);
  const lines: string[] = [];
  if (tests.length) lines.push(`${groupingLine(tests)}${steps.length ? `, and ${steps.length === 1 ? 'step' : 'steps'} ${steps.map((s) => clipName(s.replace(/^step /, ''), 40)).join(', ')}` : ''}:`);
  else lines.push(`${steps.length} steps: ${steps.map((s) => clipName(s.replace(/^step /, ''), 40)).join(', ')}`);
  const listed = listTests(tests, maxChars, { oneEach });
  lines.push(...listed.lines);
  if (listed.shown < listed.total) lines.push(`… ${listed.total - listed.shown} more not shown; ${wholeList(p.id, at)}.`);
  else {
    const url = problemUrl(at.titleUrl, p.id);
    if (url) lines.push(`Details: ${url}`);
  }
  return lines;
}
