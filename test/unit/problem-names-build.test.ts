import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJUnit } from '../../executor/junit.js';
import { ended, reminder } from '../../src/problems/hassle-text.js';
import type { Problem, ProblemSubject } from '../../src/model/problem.js';
import { details, problemTests, testPage } from '../../src/problems/describe.js';
import { countLine, groupingLine, listTests, qualifiedNames, withLabels } from '../../src/problems/test-names.js';

/** The 46-failure pytest report (xunit1: each case names its file), and its failures as a Problem's subjects. */
const results = parseJUnit(readFileSync(new URL('../fixtures/junit/many-failures.xml', import.meta.url), 'utf8'));
const failing: ProblemSubject[] = results.filter((t) => t.outcome === 'fail').map((t) => ({ kind: 'test', suite: t.suite, name: t.name, ...(t.file ? { file: t.file } : {}) }));

function problem(subjects: ProblemSubject[]): Problem {
  return {
    id: 1, key: 'k', state: 'confirmed', subjects,
    builders: [{ builder: 'py312', firstBadBuildId: 5, firstBadNumber: 5 }],
    firstBadRevision: 'abcdef0123456789', lastGoodRevision: '0123456789abcdef',
    openedAt: 0, confirmedAt: 0,
    guilty: ['warner'], responsible: ['warner'], interested: [], notMe: [], acks: [], watchers: [],
  };
}
const at = { botName: 'bb', titleUrl: 'https://ci.example.org/' };
const culprit = { revision: 'abcdef0123456789', subject: 'one-line change', author: 'Brian Warner' };

describe('names qualified within the build, the same on every surface', () => {
  it('a test name that a passing test of the build shares is qualified in mails, reminders, problem N and its pages', () => {
    // tests.test_toc.TestToc.test_links passes; tests.test_parse.TestParse.test_links fails.
    const p = problem(withLabels(failing, results));
    expect(p.subjects.find((s) => s.name === 'test_links')!.label).toBe('TestParse.test_links');
    expect(p.subjects.find((s) => s.name === 'test_highlight_python')!.label).toBeUndefined();
    const mail = ended({ ...p, state: 'resolved' }, at).body!.split('\n');
    expect(mail).toContain('  TestParse.test_links');
    expect(mail).not.toContain('  test_links');
    const r = reminder(p, { ...at, tone: 'gentle', role: 'guilty', count: 0, openFor: 0, culprit });
    expect(r.body!.split('\n')).toContain('  TestParse.test_links');
    // No universe given: the stored names are used as they are.
    expect(problemTests(p).find((t) => t.name === 'test_links')!.label).toBe('TestParse.test_links');
    expect(testPage(p, 1, 50, 'bb').join('\n')).toMatch(/test_parse\.py \(8\): .*TestParse\.test_links/);
    expect(details(p, at, 2000).join('\n')).toContain('TestParse.test_links');
  });

  it('a Problem stored before names were kept is qualified within the build when the caller has its tests, else within its failures', () => {
    const old = problem(failing);
    expect(problemTests(old, results).find((t) => t.name === 'test_links')!.label).toBe('TestParse.test_links');
    expect(problemTests(old).find((t) => t.name === 'test_links')!.label).toBe('test_links');
  });

  it('tests of the same suite and name in two files are told apart by their files', () => {
    const tests = [
      { suite: 'Parser', name: 'parses links', file: 'src/md/links.test.ts' },
      { suite: 'Parser', name: 'parses links', file: 'src/html/links.test.ts' },
      { suite: 'Parser', name: 'parses tables', file: 'src/md/tables.test.ts' },
    ];
    expect(qualifiedNames(tests)).toEqual(['md/links.test.ts::Parser::parses links', 'html/links.test.ts::Parser::parses links', 'parses tables']);
    // Suites that differ are enough: the file stays out.
    expect(qualifiedNames([{ suite: 'a.X', name: 'n', file: 'a.py' }, { suite: 'b.Y', name: 'n', file: 'b.py' }])).toEqual(['X.n', 'Y.n']);
  });

  it('groups by the file the results name, where the suite alone would not show it', () => {
    // jest-junit: the suite is the describe block, the file is an attribute.
    const jest = parseJUnit(`<testsuites><testsuite name="markdown" file="src/render/markdown.test.ts">
<testcase classname="markdown renders" name="links"><failure/></testcase>
<testcase classname="markdown renders" name="tables"><failure/></testcase>
<testcase classname="markdown escapes" name="html" file="src/render/escape.test.ts"><failure/></testcase>
</testsuite></testsuites>`);
    expect(jest.map((t) => t.file)).toEqual(['src/render/markdown.test.ts', 'src/render/markdown.test.ts', 'src/render/escape.test.ts']);
    expect(groupingLine(jest)).toBe('3 tests in 2 files (2 in markdown.test.ts, 1 in escape.test.ts)');
    // Without files (results stored before they were kept) the suites group them, as before.
    const bare = jest.map(({ file: _f, ...t }) => t);
    expect(countLine(bare)).toBe('3 tests in markdown renders and 1 more suite');
    // A pytest doctest module is no test_* file: its real file still groups it.
    const doctest = [{ suite: 'markdown.util', name: 'markdown.util.normalize', file: 'markdown/util.py' }];
    expect(listTests(doctest, 200).lines).toEqual(['util.py (1): markdown.util.normalize']);
    expect(listTests(doctest.map(({ file: _f, ...t }) => t), 200).lines).toEqual(['util (1): markdown.util.normalize']);
  });
});
