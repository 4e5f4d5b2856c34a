import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MAX_TEST_MESSAGE, parseJUnit, TestResultsError } from '../../executor/junit.js';
import { parseTestsOffThread } from '../../executor/parse-off-thread.js';
import { junitReport } from '../../bench/junit.js';

/**
 * pytest.xml and surefire-rerun.xml are real output (pytest 9.0 --junitxml; Maven Surefire 3.2.5
 * with rerunFailingTestsCount=2 and JUnit 5.11, its <property> lines dropped); the others are
 * written by hand in the shapes those tools document (each says so in a comment).
 */
const fixture = (name: string) => parseJUnit(readFileSync(new URL(`../fixtures/junit/${name}`, import.meta.url), 'utf8'));
const rows = (tests: ReturnType<typeof parseJUnit>) => tests.map((t) => [t.suite, t.name, t.outcome]);

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

  it("keeps a failing test's own output (system-out, then system-err; its last 8 KB), not a passing one's", () => {
    const xml = `<testsuite name="s">
  <testcase name="fails"><failure message="boom"/><system-out>connecting &lt;db&gt;</system-out><system-err><![CDATA[refused <b>]]></system-err></testcase>
  <testcase name="long"><error message="x"/><system-out>${'a'.repeat(9000)}END</system-out></testcase>
  <testcase name="passes"><system-out>chatty</system-out></testcase>
</testsuite>`;
    const by = Object.fromEntries(parseJUnit(xml).map((t) => [t.name, t]));
    expect(by.fails!.output).toBe('connecting <db>\nrefused <b>');
    expect(by.long!.output).toHaveLength(8192);
    expect(by.long!.output).toMatch(/^…a+END$/);
    expect(by.passes!.output).toBeUndefined();
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

  it('reads pytest: parameterised cases, a skip with its reason, a setup error apart from failures', () => {
    const tests = fixture('pytest.xml');
    expect(rows(tests)).toEqual([
      ['test_demo', 'test_adds', 'pass'],
      ['test_demo', 'test_equal[1-1]', 'pass'],
      ['test_demo', 'test_equal[2-3_0]', 'fail'],
      ['test_demo', 'test_equal[2-3_1]', 'fail'],
      ['test_demo', 'test_db', 'skip'],
      ['test_demo', 'test_uses_broken', 'error'],
      ['test_demo.TestParser', 'test_reads', 'pass'],
      ['test_demo.TestParser', 'test_rejects', 'fail'],
    ]);
    expect(tests[4]!.message).toContain('no database here');
    expect(tests[5]!.message).toContain('fixture exploded');
    // Numeric character references in attributes are decoded.
    expect(tests[7]!.message).toContain("assert 'garbage' == 'clean'\n");
  });

  it('reads Surefire reruns: failed reruns say so, flakyFailure/flakyError pass as flaky', () => {
    const rerun = fixture('surefire-rerun.xml');
    expect(rows(rerun)).toEqual([
      ['demo.CalcTest', 'alwaysFails', 'fail'],
      ['demo.CalcTest', 'flakyOnce', 'pass'],
      ['demo.CalcTest', 'positive(int)[2]', 'fail'],
      ['demo.CalcTest', 'positive(int)[3]', 'fail'],
      ['demo.CalcTest', 'throwsError', 'error'],
    ]);
    expect(rerun[0]!.message).toMatch(/^org\.opentest4j\.AssertionFailedError: math is broken/);
    expect(rerun[0]!.message).toContain('failed 1 rerun too');
    expect(rerun[4]!.message).toContain('failed 1 rerun too');
    const flaky = fixture('surefire-flaky.xml');
    expect(flaky.map((t) => [t.name, t.outcome, t.flaky ?? false])).toEqual([
      ['connects', 'pass', true],
      ['reads', 'pass', true],
      ['plain', 'pass', false],
    ]);
    expect(flaky[0]!.message).toContain('passed on a rerun after 1 failed run: java.net.ConnectException: connection refused');
    expect(flaky[1]!.message).toContain('after 2 failed runs');
  });

  it('reads jest-junit and gotestsum shapes; same-named cases are kept apart in order', () => {
    expect(rows(fixture('jest-junit.xml'))).toEqual([
      ['math adds', 'math adds', 'pass'],
      ['math divides', 'math divides', 'fail'],
      ['math later', 'math later', 'skip'],
      ['math adds', 'math adds (2)', 'pass'],
    ]);
    const go = fixture('gotestsum.xml');
    expect(rows(go)).toEqual([
      ['example.com/pkg/calc', 'TestAdd', 'pass'],
      ['example.com/pkg/calc', 'TestDiv/by_zero', 'fail'],
      ['example.com/pkg/calc', 'TestDiv', 'fail'],
      ['example.com/pkg/calc', 'TestSlow', 'skip'],
    ]);
    expect(go[1]!.message).toContain('calc_test.go:20: got 0, want error\n');
  });

  it('parses a big report in a worker thread with the same result (and the bench runs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bb-junit-'));
    try {
      const file = join(dir, 'big.xml');
      const xml = junitReport(3000);
      writeFileSync(file, xml);
      const off = await parseTestsOffThread('junit', file, 'big.xml');
      expect(off).toHaveLength(3000);
      expect(off).toEqual(parseJUnit(xml));
      writeFileSync(file, '<testsuite><testcase></testsuite>');
      await expect(parseTestsOffThread('junit', file, 'big.xml')).rejects.toThrow(TestResultsError);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/junit.ts'], { env: { ...process.env, BENCH_CASES: '2000' } });
      expect(stdout).toMatch(/junit: 2000 cases/);
      expect(stdout).toMatch(/longest main-thread stall meanwhile \d+ ms/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
