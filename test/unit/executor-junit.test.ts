import { describe, expect, it } from 'vitest';
import { MAX_TEST_MESSAGE, parseJUnit, TestResultsError } from '../../executor/junit.js';

describe('executor JUnit parser', () => {
  it('reads outcomes, suites, durations and messages from nested suites', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="all">
  <testsuite name="outer" tests="5">
    <testcase name="passes" classname="pkg.Math" time="0.25"/>
    <testcase name="fails" classname="pkg.Math"><failure message="expected 2" type="AssertionError">at line 3 &amp; 4</failure></testcase>
    <testcase name="errors"><error message="NullPointer"/></testcase>
    <testsuite name="inner">
      <testcase name="skipped"><skipped/></testcase>
      <testcase name="skipped with reason"><skipped message="no db"/></testcase>
    </testsuite>
  </testsuite>
</testsuites>`;
    const tests = parseJUnit(xml);
    const by = Object.fromEntries(tests.map((t) => [t.name, t]));
    expect(tests).toHaveLength(5);
    expect(by.passes).toEqual({ suite: 'pkg.Math', name: 'passes', outcome: 'pass', durationMs: 250 });
    expect(by.fails).toMatchObject({ suite: 'pkg.Math', outcome: 'fail', message: 'AssertionError: expected 2: at line 3 & 4' });
    expect(by.errors).toMatchObject({ suite: 'outer', outcome: 'error', message: 'NullPointer' });
    expect(by.skipped).toMatchObject({ suite: 'inner', outcome: 'skip' });
    expect(by.skipped?.message).toBeUndefined();
    expect(by['skipped with reason']).toMatchObject({ outcome: 'skip', message: 'no db' });
  });

  it('accepts a single <testsuite> root', () => {
    const tests = parseJUnit('<testsuite name="s"><testcase name="a"/><testcase name="b"/></testsuite>');
    expect(tests.map((t) => `${t.suite}/${t.name}/${t.outcome}`)).toEqual(['s/a/pass', 's/b/pass']);
  });

  it('returns no tests for an empty suite', () => {
    expect(parseJUnit('<testsuites/>')).toEqual([]);
  });

  it('caps long messages', () => {
    const long = 'x'.repeat(MAX_TEST_MESSAGE + 100);
    const [t] = parseJUnit(`<testsuite name="s"><testcase name="a"><failure message="${long}"/></testcase></testsuite>`);
    expect(t?.message).toHaveLength(MAX_TEST_MESSAGE);
  });

  it('rejects what is not a JUnit report', () => {
    expect(() => parseJUnit('<testsuite><testcase></testsuite>')).toThrow(TestResultsError);
    expect(() => parseJUnit('not xml at all')).toThrow(TestResultsError);
    expect(() => parseJUnit('<html><body/></html>')).toThrow(/not a JUnit report/);
  });
});
