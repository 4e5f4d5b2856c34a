import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTap } from '../../executor/tap.js';

/** Real output, made by running tape 5.10 and `node --test --test-reporter=tap` (Node 20) on small suites. */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/tap/${name}`, import.meta.url), 'utf8');

describe('executor TAP parser', () => {
  it('reads TAP 13 results with directives and YAML diagnostics', () => {
    const tap = [
      'TAP version 13',
      '1..5',
      'ok 1 - adds numbers',
      'not ok 2 - divides by zero',
      '  ---',
      '  message: "division by zero"',
      '  severity: fail',
      '  ...',
      'ok 3 - network test # SKIP no network',
      'not ok 4 - future feature # TODO not written yet',
      'ok 5 a \\# literal hash',
      '',
    ].join('\n');
    expect(parseTap(tap, 'unit')).toEqual([
      { suite: 'unit', name: 'adds numbers', outcome: 'pass' },
      { suite: 'unit', name: 'divides by zero', outcome: 'fail', message: 'message: division by zero\nseverity: fail' },
      { suite: 'unit', name: 'network test', outcome: 'skip', message: 'no network' },
      { suite: 'unit', name: 'future feature', outcome: 'pass' },
      { suite: 'unit', name: 'a # literal hash', outcome: 'pass' },
    ]);
  });

  it('attributes TAP 14 subtests to their parent and drops the summary line', () => {
    const tap = [
      'TAP version 14',
      '# Subtest: math',
      '    ok 1 - add',
      '    not ok 2 - sub',
      '    1..2',
      'not ok 1 - math',
      '# Subtest: strings',
      '    # Subtest: nested',
      '        ok 1 - deep',
      '        1..1',
      '    ok 1 - nested',
      '    1..1',
      'ok 2 - strings',
      'ok 3 - plain',
      '1..3',
    ].join('\n');
    expect(parseTap(tap).map((t) => [t.suite, t.name, t.outcome])).toEqual([
      ['tap > math', 'add', 'pass'],
      ['tap > math', 'sub', 'fail'],
      ['tap > strings > nested', 'deep', 'pass'],
      ['tap', 'plain', 'pass'],
    ]);
  });

  it('keeps a failing parent whose children all passed (e.g. a crash after them)', () => {
    const tap = ['    ok 1 - a', '    1..2', 'not ok 1 - group', '1..1'].join('\n');
    expect(parseTap(tap).map((t) => [t.suite, t.name, t.outcome])).toEqual([
      ['tap > group', 'a', 'pass'],
      ['tap', 'group', 'fail'],
    ]);
  });

  it('reports a bail out and a short plan as errors', () => {
    expect(parseTap('1..3\nok 1\nBail out! database gone\nok 2\n').slice(-1)).toEqual([
      { suite: 'tap', name: '(bail out)', outcome: 'error', message: 'database gone' },
    ]);
    expect(parseTap('1..3\nok 1 - one\n')).toEqual([
      { suite: 'tap', name: 'one', outcome: 'pass' },
      { suite: 'tap', name: '(plan)', outcome: 'error', message: 'planned 3 tests but 1 ran' },
    ]);
  });

  it('names unnamed tests by number and ignores noise', () => {
    expect(parseTap('hello\nok 7\nnot ok\n# comment\n')).toEqual([
      { suite: 'tap', name: 'test 7', outcome: 'pass' },
      { suite: 'tap', name: 'test ?', outcome: 'fail' },
    ]);
  });

  it('names tape tests by their `# name` comment and aggregates their assertions', () => {
    const tests = parseTap(fixture('tape.tap'), 'test/unit.tap');
    expect(tests.map((t) => [t.name, t.outcome])).toEqual([
      ['adds numbers', 'pass'],
      ['parses dates', 'fail'],
      ['handles empty input', 'pass'],
      ['adds numbers (2)', 'fail'],
      ['inner one', 'pass'],
      ['inner two', 'fail'],
      ['skipped one', 'skip'],
      ['todo one', 'pass'],
    ]);
    expect(new Set(tests.map((t) => t.suite))).toEqual(new Set(['test/unit.tap']));
    // Both failing assertions of "parses dates" are in its message, with their diagnostics; the passing one is not.
    const dates = tests[1]!.message!;
    expect(dates).toContain('not ok 3 year matches');
    expect(dates).toContain('expected: "2021"');
    expect(dates).toContain('actual: "2020"');
    expect(dates).toContain('not ok 5 should be deeply equivalent');
    expect(dates).not.toContain('should be truthy');
    expect(tests[3]!.message).toContain('second test with the same name');
  });

  it('names node:test tests by their subtest path, keeping same-named tests apart', () => {
    const tests = parseTap(fixture('node-test.tap'), 'node');
    expect(tests.map((t) => [t.suite, t.name, t.outcome])).toEqual([
      ['node', 'adds numbers', 'pass'],
      ['node', 'parses dates', 'fail'],
      ['node > parser', 'reads a header', 'pass'],
      ['node > parser', 'rejects garbage', 'fail'],
      ['node > parser > nested', 'deep case', 'pass'],
      ['node', 'same name', 'pass'],
      ['node', 'same name (2)', 'fail'],
      ['node', 'skipped', 'skip'],
      ['node', 'todo', 'pass'],
      ['node > with subtests', 'sub a', 'pass'],
      ['node > with subtests', 'sub b', 'fail'],
    ]);
    expect(tests[1]!.message).toContain("'2020' !== '2021'");
    expect(tests[3]!.message).toContain('error: accepted garbage');
    expect(tests[7]!.message).toBe('not on this platform');
    expect(tests.every((t) => typeof t.durationMs === 'number')).toBe(true);
  });

  it('keeps assertions before any test name as tests of their own, and ignores a comment naming no assertion', () => {
    const tap = ['TAP version 13', 'ok 1 loose', '# a diagnostic', '# real test', 'ok 2 x', 'not ok 3 y', '1..3', '# tests 3', '# fail 1'].join('\n');
    expect(parseTap(tap).map((t) => [t.name, t.outcome])).toEqual([
      ['loose', 'pass'],
      ['real test', 'fail'],
    ]);
  });
});
