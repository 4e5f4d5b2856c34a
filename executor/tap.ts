import { Parser, type Result } from 'tap-parser';
import type { TestCaseResult, TestOutcome } from '../src/model/build.js';
import { MAX_TEST_MESSAGE } from './junit.js';
import { keepApart } from './test-names.js';

/**
 * Test cases of a TAP 13/14 stream, read with `tap-parser`. What is one test:
 *
 * - A `# name` comment line (as tape prints before each test) names the test that the
 *   assertions after it, up to the next such comment, belong to: the test fails if any of its
 *   assertions fails (a `# TODO` assertion never fails it), is skipped if all of them are, and its
 *   message lists the failing assertions with their diagnostics. tape's `# SKIP name` is a skipped
 *   test. A comment followed by no assertion names nothing (a diagnostic, or tape's summary).
 * - A subtest (TAP 14 indented block, as node:test and tap print) is a path: its leaf points are
 *   the tests, with suite `suite > parent > …`; the parent's own closing point is a summary and is
 *   counted only when it failed while none of its children did (a crash after them).
 * - An assertion with no naming comment before it is a test of its own, named by its description.
 *
 * Tests with the same suite and name are kept apart as `name (2)`, `name (3)`, … in order.
 * `Bail out!` and fewer top-level points than the plan are errors named "(bail out)" and "(plan)".
 */
export function parseTap(text: string, suite = 'tap'): TestCaseResult[] {
  const out: TestCaseResult[] = [];
  const parser = new Parser();
  let bailed: string | undefined;
  let top = 0;
  let plan: number | undefined;
  parser.on('bailout', (reason: string) => {
    bailed ??= reason || 'the test run bailed out';
  });
  parser.on('assert', () => {
    top += 1;
  });
  parser.on('plan', (p: { start: number; end: number }) => {
    plan = p.end - p.start + 1;
  });
  follow(parser, [suite], out);
  parser.end(text);
  if (bailed !== undefined) out.push({ suite, name: '(bail out)', outcome: 'error', message: bailed.trim() || 'the test run bailed out' });
  else if (plan !== undefined && top < plan) out.push({ suite, name: '(plan)', outcome: 'error', message: `planned ${plan} tests but ${top} ran` });
  return keepApart(out.map((t) => (t.message !== undefined ? { ...t, message: t.message.slice(0, MAX_TEST_MESSAGE) } : t)));
}

/** A test named by a comment line, collecting the assertions that follow it. */
interface Named {
  name: string;
  points: Result[];
  skipped?: boolean;
}

/** Collects the tests of one level of the stream (and, through `child`, of its subtests). */
function follow(parser: Parser, path: string[], out: TestCaseResult[]): void {
  const suite = path.join(' > ');
  let named: Named | undefined;
  /** A plan after points ends this level: comments after it are a summary (tape's `# tests 10`). */
  let planSeen = false;
  let points = 0;
  /** Tests of the subtest whose closing point comes next: index into `out` where they start, and whether one failed. */
  let child: { from: number; failed: () => boolean; unnamed: string | undefined } | undefined;

  const closeNamed = (): void => {
    if (named && (named.points.length > 0 || named.skipped)) out.push(aggregate(suite, named));
    named = undefined;
  };

  parser.on('comment', (raw: string) => {
    const line = raw.replace(/\r?\n$/, '');
    if (/^#\s*Subtest(:|$)/.test(line) || planSeen) return;
    closeNamed();
    const skip = /^#\s+SKIP\s+(.+)$/.exec(line);
    if (skip) named = { name: skip[1]!.trim(), points: [], skipped: true };
    else {
      // tape prints a todo test's name as `# TODO name`.
      const name = line.replace(/^#\s*/, '').replace(/^TODO\s+/, '').trim();
      if (name) named = { name, points: [] };
    }
  });
  parser.on('child', (c: Parser) => {
    closeNamed();
    const from = out.length;
    // A subtest without a `# Subtest: name` line is named by its closing point, seen only later.
    const unnamed = c.name ? undefined : `${suite} > \u0000subtest${from}`;
    child = { from, failed: () => out.slice(from).some((t) => t.outcome === 'fail' || t.outcome === 'error'), unnamed };
    follow(c, unnamed ? [unnamed] : [...path, c.name], out);
  });
  parser.on('assert', (r: Result) => {
    points += 1;
    if (child) {
      // The closing point of a subtest: a summary, counted only when it failed and no child did.
      const c = child;
      child = undefined;
      if (c.unnamed) {
        const named = `${suite} > ${r.name.trim() || `test ${r.id || '?'}`}`;
        for (const t of out.slice(c.from)) if (t.suite.startsWith(c.unnamed)) t.suite = named + t.suite.slice(c.unnamed.length);
      }
      if (!r.ok && !r.todo && !c.failed()) out.push(single(suite, r));
      return;
    }
    if (named && !named.skipped) named.points.push(r);
    else {
      closeNamed();
      out.push(single(suite, r));
    }
  });
  parser.on('plan', () => {
    closeNamed();
    if (points > 0) planSeen = true;
  });
  parser.on('complete', () => closeNamed());
}

function outcomeOf(r: Result): TestOutcome {
  if (r.skip) return 'skip';
  if (r.ok || r.todo) return 'pass';
  return 'fail';
}

function single(suite: string, r: Result): TestCaseResult {
  const t: TestCaseResult = { suite, name: r.name.trim() || `test ${r.id || '?'}`, outcome: outcomeOf(r) };
  const ms = durationOf(r);
  if (ms !== undefined) t.durationMs = ms;
  if (t.outcome === 'skip' && typeof r.skip === 'string' && r.skip) t.message = r.skip;
  if (t.outcome === 'fail') {
    const d = describeDiag(r.diag);
    if (d) t.message = d;
  }
  return t;
}

function aggregate(suite: string, n: Named): TestCaseResult {
  const t: TestCaseResult = { suite, name: n.name, outcome: 'pass' };
  if (n.skipped || n.points.every((p) => outcomeOf(p) === 'skip')) {
    t.outcome = 'skip';
    return t;
  }
  const failing = n.points.filter((p) => outcomeOf(p) === 'fail');
  if (failing.length > 0) {
    t.outcome = 'fail';
    t.message = failing.map((p) => [`not ok${p.id ? ` ${p.id}` : ''} ${p.name}`.trim(), describeDiag(p.diag)].filter(Boolean).join('\n')).join('\n\n');
  }
  const ms = n.points.map(durationOf).filter((x): x is number => x !== undefined);
  if (ms.length) t.durationMs = ms.reduce((a, b) => a + b, 0);
  return t;
}

/** tap-parser moves a point's `duration_ms` (node:test, tap) into `time`. */
function durationOf(r: Result): number | undefined {
  const ms = r.time ?? NaN;
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : undefined;
}

/** YAML diagnostics of a failing point as `key: value` lines (stack last; timing left out). */
function describeDiag(diag: unknown): string {
  if (!diag || typeof diag !== 'object') return '';
  const d = diag as Record<string, unknown>;
  const lines: string[] = [];
  for (const [k, v] of Object.entries(d)) {
    if (k === 'duration_ms' || k === 'type' || k === 'stack') continue;
    lines.push(`${k}: ${show(v, k === 'expected' || k === 'actual')}`);
  }
  if (d.stack !== undefined) lines.push(`stack: ${show(d.stack)}`);
  return lines.join('\n').trim();
}

function show(v: unknown, quote = false): string {
  if (typeof v === 'string' && quote && !v.includes('\n')) return JSON.stringify(v);
  if (typeof v === 'string') return v.includes('\n') ? `\n  ${v.trimEnd().split('\n').join('\n  ')}` : v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
