import { describe, expect, it } from 'vitest';
import { parseTap } from '../../executor/tap.js';

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
      { suite: 'unit', name: 'divides by zero', outcome: 'fail', message: 'message: "division by zero"\nseverity: fail' },
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
    expect(parseTap('hello\nok 7\n# comment\nnot ok\n')).toEqual([
      { suite: 'tap', name: 'test 7', outcome: 'pass' },
      { suite: 'tap', name: 'test ?', outcome: 'fail' },
    ]);
  });
});
