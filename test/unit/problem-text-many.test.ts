import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJUnit } from '../../executor/junit.js';
import { ended, mention, reminder, started } from '../../src/problems/hassle-text.js';
import type { Problem } from '../../src/model/problem.js';
import { finishedNews, problemNews } from '../../src/notify/news.js';
import { render } from '../../src/notify/render.js';
import { plainStyle } from '../../src/notify/style.js';
import { testPage } from '../../src/problems/describe.js';
import { headline, subjectsBlock } from '../../src/problems/subject-text.js';
import { allTests, clipName, countLine, fileOf, groupingLine, listTests, qualifiedNames } from '../../src/problems/test-names.js';

/** A pytest JUnit report of one commit that broke 46 tests in 6 files (some short names shared). */
const results = parseJUnit(readFileSync(new URL('../fixtures/junit/many-failures.xml', import.meta.url), 'utf8'));
const failed = results.filter((t) => t.outcome === 'fail');

function problem(extra: Partial<Problem> = {}): Problem {
  return {
    id: 1, key: 'k', state: 'resolved',
    subjects: failed.map((t) => ({ kind: 'test' as const, suite: t.suite, name: t.name })),
    builders: [{ builder: 'py312', firstBadBuildId: 5, firstBadNumber: 5 }],
    firstBadRevision: 'abcdef0123456789', lastGoodRevision: '0123456789abcdef',
    openedAt: 0, confirmedAt: 0, resolvedAt: 2 * 3600_000,
    guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
    ...extra,
  };
}
const at = { botName: 'bb', titleUrl: 'https://ci.example.org/' };
const culprit = { revision: 'abcdef0123456789', subject: 'one-line change', author: 'Brian Warner' };

describe('test names when many fail', () => {
  it('the fixture has 46 failures', () => {
    expect(failed).toHaveLength(46);
  });

  it('groups by file: pytest classnames become files, largest first', () => {
    expect(fileOf('tests.test_syntax.TestHighlight')).toEqual({ key: 'tests/test_syntax.py', file: true });
    expect(fileOf('tests.test_lexer')).toEqual({ key: 'tests/test_lexer.py', file: true });
    expect(fileOf('src/parse.test.ts')).toEqual({ key: 'src/parse.test.ts', file: true });
    expect(fileOf('org.example.LexerTest')).toEqual({ key: 'org.example.LexerTest', file: false });
    expect(countLine(failed)).toBe('46 tests in test_syntax.py and 5 more files');
    expect(groupingLine(failed)).toBe('46 tests in 6 files (30 in test_syntax.py, 8 in test_parse.py, 3 in test_extensions.py, 3 more files)');
  });

  it('qualifies a short name only where it is ambiguous within the build', () => {
    const names = qualifiedNames(failed, results);
    const of = (suite: string, name: string) => names[failed.findIndex((t) => t.suite === suite && t.name === name)];
    expect(of('tests.test_syntax.TestHighlight', 'test_highlight_python')).toBe('test_highlight_python');
    expect(of('tests.test_syntax.TestHighlight', 'test_empty')).toBe('TestHighlight.test_empty');
    expect(of('tests.test_parse.TestParse', 'test_empty')).toBe('TestParse.test_empty');
    // Same class name in two files: the file tells them apart.
    expect(of('tests.test_syntax.TestCodeHilite', 'testBasicCodeHilite')).toBe('test_syntax.TestCodeHilite.testBasicCodeHilite');
    expect(of('tests.test_extensions.TestCodeHilite', 'testBasicCodeHilite')).toBe('test_extensions.TestCodeHilite.testBasicCodeHilite');
    // A passing test of the same name in another class makes the failing one ambiguous too.
    expect(of('tests.test_parse.TestParse', 'test_links')).toBe('TestParse.test_links');
    expect(qualifiedNames(failed).at(failed.findIndex((t) => t.name === 'test_links'))).toBe('test_links');
  });

  it('never cuts a name without a marker; lists cut only between names', () => {
    const long = 'test_render_roundtrip[fenced-block-with-a-very-long-parameter-id-that-goes-on-and-on-beyond-eighty-chars]';
    expect(clipName(long)).toMatch(/…$/);
    expect(clipName(long).length).toBeLessThanOrEqual(80);
    const listed = listTests(failed, 300);
    expect(listTests(failed, 300, { oneEach: true }).lines.at(-1)).toMatch(/^  … \d+ more$/);
    expect(listed.shown).toBeLessThan(46);
    expect(listed.lines[0]).toMatch(/^test_syntax\.py \(30\): test_highlight_python, /);
    expect(listed.lines.at(-1)).toMatch(/, … \d+ more$/);
    const shownNames = listed.lines.join(', ').split(', ');
    const all = qualifiedNames(failed).map((n) => clipName(n));
    for (const n of shownNames) if (!/^… \d+ more$/.test(n)) expect(all).toContain(n.replace(/^[^ ]+ \(\d+\): /, ''));
    expect(allTests(failed, results)).toHaveLength(46);
  });

  it('the "fixed" mail: a one-line subject with a count, a body that lists what fits and says where the rest is', () => {
    const msg = ended(problem(), at);
    expect(msg.subject).toBe('[bb] fixed: problem #1, 46 tests in test_syntax.py and 5 more files on py312');
    const body = msg.body!.split('\n');
    expect(body[0]).toBe('Problem #1 is fixed after 2h: 46 tests in test_syntax.py and 5 more files pass again on py312. No more reminders about it.');
    expect(body[2]).toBe('46 tests in 6 files (30 in test_syntax.py, 8 in test_parse.py, 3 in test_extensions.py, 3 more files):');
    // Every name fits in the mail, one a line under its file; the last line links the page.
    expect(body.slice(3, 6)).toEqual(['test_syntax.py (30):', '  test_highlight_python', '  test_highlight_ruby']);
    expect(body).toContain('  test_syntax.TestCodeHilite.testBasicCodeHilite');
    expect(body.filter((l) => l.startsWith('  '))).toHaveLength(46);
    expect(body.at(-1)).toBe('Details: https://ci.example.org/problems/1');
    // The chat text is a few lines, and its last one says where the whole list is.
    const chat = msg.text.split('\n');
    expect(chat.length).toBeLessThanOrEqual(5);
    expect(chat.at(-1)).toMatch(/^… \d+ more not shown; the whole list: "bb problem 1 --tests" on the command line, "bb: problem 1 tests" by DM, or https:\/\/ci\.example\.org\/problems\/1\.$/);
  });

  it('reminders, mentions and the start notice name a count and say where the list is', () => {
    const r = reminder(problem({ state: 'confirmed' }), { ...at, tone: 'gentle', role: 'guilty', count: 0, openFor: 0, culprit });
    expect(r.subject).toBe('[bb] problem #1: 46 tests in test_syntax.py and 5 more files fail on py312');
    expect(r.text.split('\n')[0]).toMatch(/^Problem #1: 46 tests in test_syntax\.py and 5 more files fail on py312 since abcdef012345/);
    expect(r.text.split('\n')[1]).toMatch(/^46 tests in 6 files \(/);
    const m = mention(problem({ state: 'confirmed' }), ['warner'], { ...at, tone: 'gentle', openFor: 0, culprit });
    expect(m.split('\n')).toEqual([
      'warner: problem #1: 46 tests in test_syntax.py and 5 more files fail on py312 since abcdef012345 ("one-line change" by Brian Warner). Say "bb: ack 1" when you are on it.',
      'The whole list: "bb problem 1 --tests" on the command line, "bb: problem 1 tests" by DM, or https://ci.example.org/problems/1.',
    ]);
    expect(started(problem(), culprit, at).subject).toBe('[bb] problem #1 opened: 46 tests in test_syntax.py and 5 more files fail on py312');
  });

  it('few short names are still named in full', () => {
    const p = problem({ subjects: [{ kind: 'test', suite: 's', name: 'a' }, { kind: 'step', suite: '', name: 'lint' }] });
    expect(headline(p)).toBe('s.a, step lint');
    expect(subjectsBlock(p, at, 300)).toEqual([]);
    expect(ended(p, at).subject).toBe('[bb] fixed: problem #1, s.a, step lint on py312');
  });

  it('announcements count instead of naming, and link the page or say where the list is', () => {
    expect(render(problemNews(problem({ state: 'confirmed' }), 'opened', at), plainStyle)).toBe(
      'problem #1 opened: 46 tests in test_syntax.py and 5 more files fail on py312 since abcdef012345 | guilty warner | https://ci.example.org/problems/1',
    );
    expect(render(problemNews(problem(), 'resolved', { botName: 'bb' }), plainStyle)).toBe(
      'problem #1 resolved: 46 tests in test_syntax.py and 5 more files pass again on py312 | the whole list: "bb problem 1 --tests" on the command line, "bb: problem 1 tests" by DM',
    );
  });

  it('pages the whole list, each page saying how to get the next', () => {
    const p = problem();
    const first = testPage(p, 1, 2, 'bb', results);
    expect(first[0]).toBe('Problem 1: 46 tests in 6 files (30 in test_syntax.py, 8 in test_parse.py, 3 in test_extensions.py, 3 more files); page 1 of 4:');
    expect(first.at(-1)).toBe('Next: "bb: problem 1 tests 2" (page 2 of 4).');
    const pages = [1, 2, 3, 4].map((n) => testPage(p, n, 2, 'bb', results));
    expect(pages[3]!.at(-1)).not.toMatch(/^Next/);
    const names = pages.flatMap((pg) => pg.slice(1).filter((l) => !l.startsWith('Next'))).join(', ').split(/, |: /).map((n) => n.trim());
    expect(names.filter((n) => n && !/\(\d+\)$/.test(n))).toHaveLength(46);
    expect(testPage(p, 9, 2, 'bb')).toEqual(['Problem 1 has 4 pages of tests; say "bb: problem 1 tests 4".']);
  });

  it('a finished build with 46 failing tests gives a count and the biggest file, not three names and "+43 more"', () => {
    const build = { id: 5, builder: 'py312', number: 5, result: 'FAILURE', steps: [{ name: 'test', result: 'FAILURE' }], blamelist: ['Brian Warner <warner@example.org>'], properties: {}, sourcestamp: { revision: 'abcdef0123456789abcdef0123456789abcdef01' } } as never;
    expect(render(finishedNews(build, results, 'broke', 'https://ci.example.org'), plainStyle)).toBe(
      'py312 #5: FAILURE (new failure) in test; 46 tests in test_syntax.py and 5 more files failed | abcdef012345 by Brian Warner | https://ci.example.org/builders/py312/builds/5',
    );
  });

  it('tells thousands of same-named tests apart (one pass per suffix length, not per pair)', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ suite: `pkg${i % 100}.mod${i % 7}.Case${Math.floor(i / 700)}`, name: 'test_it' }));
    const unique = [...new Map(many.map((t) => [t.suite, t])).values()];
    const names = qualifiedNames(unique);
    expect(new Set(names).size).toBe(unique.length);
    expect(names[0]).toBe('pkg0.mod0.Case0.test_it');
    expect(qualifiedNames([{ suite: 'a.X', name: 'n' }, { suite: 'b.Y', name: 'n' }])).toEqual(['X.n', 'Y.n']);
  });
});
