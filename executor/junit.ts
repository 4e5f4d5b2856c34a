import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCaseResult, TestOutcome } from '../src/model/build.js';
import { keepApart } from './test-names.js';

/** Longest failure message kept per test (the job schema's limit). */
export const MAX_TEST_MESSAGE = 8192;

export class TestResultsError extends Error {}

type Node = Record<string, unknown>;

/** Elements that may repeat (Surefire's rerun elements too). */
const ARRAYS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped', 'flakyFailure', 'flakyError', 'rerunFailure', 'rerunError']);

/**
 * Test cases of a JUnit XML report (Ant/Maven Surefire, pytest, jest-junit, gotestsum and the
 * like): a `<testsuites>` or `<testsuite>` root, suites nested to any depth. A case's suite is its
 * `classname`, else the name of the nearest suite around it; its name is its `name`; its file is
 * its `file` attribute (pytest's xunit1 family, jest-junit's addFileAttribute), else the nearest
 * suite's `file` attribute, else none (messages then guess the file from the suite). Outcome:
 * error with an `<error>`, fail with a `<failure>`, skip with `<skipped>`, pass otherwise; the
 * message comes from the (first two) failures or errors. Surefire's rerun elements: a case
 * with only `<flakyFailure>`/`<flakyError>` passed on a rerun (pass, `flaky: true`, the message
 * says how); `<rerunFailure>`/`<rerunError>` beside a failure say the reruns failed too.
 * Cases with the same suite and name (parameterised, or a name used twice) are kept apart as
 * `name (2)`, `name (3)`, … in the order the report lists them.
 */
export function parseJUnit(xml: string): TestCaseResult[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    textNodeName: '#text',
    // Numeric references such as &#10; (pytest, gotestsum) in attributes too.
    htmlEntities: true,
    isArray: (name) => ARRAYS.has(name),
  });
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new TestResultsError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new TestResultsError(`unreadable XML: ${(err as Error).message}`);
  }
  const roots = [...asNodes(doc.testsuites, true), ...asNodes(doc.testsuite, true)];
  if (roots.length === 0) throw new TestResultsError('no <testsuites> or <testsuite> element: not a JUnit report');
  const out: TestCaseResult[] = [];
  for (const root of roots) walk(root, '', out);
  return keepApart(out);
}

function walk(node: Node, outerSuite: string, out: TestCaseResult[], outerFile = ''): void {
  const suite = attr(node, 'name') || outerSuite;
  const file = attr(node, 'file') || outerFile;
  for (const tc of asNodes(node.testcase)) out.push(testCase(tc, suite, file));
  for (const inner of asNodes(node.testsuite)) walk(inner, suite, out, file);
  for (const inner of asNodes(node.testsuites)) walk(inner, suite, out, file);
}

function testCase(tc: Node, suite: string, suiteFile: string): TestCaseResult {
  const file = (attr(tc, 'file') || suiteFile).trim().slice(0, 1000);
  const result: TestCaseResult = {
    suite: attr(tc, 'classname') || suite,
    name: attr(tc, 'name') || '(unnamed)',
    ...(file ? { file } : {}),
    outcome: 'pass',
  };
  const seconds = Number(attr(tc, 'time'));
  if (attr(tc, 'time') !== '' && Number.isFinite(seconds) && seconds >= 0) result.durationMs = Math.round(seconds * 1000);
  const found: Array<[TestOutcome, string]> = [['error', 'error'], ['fail', 'failure'], ['skip', 'skipped']];
  for (const [outcome, tag] of found) {
    const children = asNodes(tc[tag], true);
    if (children.length === 0) continue;
    result.outcome = outcome;
    const reruns = [...asNodes(tc.rerunFailure, true), ...asNodes(tc.rerunError, true)].length;
    const message = [
      ...children.slice(0, 2).map(describe),
      children.length > 2 ? `(and ${children.length - 2} more)` : '',
      reruns ? `failed ${reruns} rerun${reruns === 1 ? '' : 's'} too` : '',
    ].filter(Boolean).join('\n');
    if (message) result.message = message.slice(0, MAX_TEST_MESSAGE);
    if (outcome !== 'skip') {
      // What the failing test printed: its end, where the failure usually is.
      const output = [...asNodes(tc['system-out'], true), ...asNodes(tc['system-err'], true)].map(text).filter((t) => t.trim() !== '').join('\n').trim();
      if (output) result.output = output.length > MAX_TEST_MESSAGE ? `…${output.slice(output.length - MAX_TEST_MESSAGE + 1)}` : output;
    }
    return result;
  }
  const flakes = [...asNodes(tc.flakyFailure, true), ...asNodes(tc.flakyError, true)];
  if (flakes.length) {
    result.flaky = true;
    const first = describe(flakes[0]!);
    result.message = `passed on a rerun after ${flakes.length} failed run${flakes.length === 1 ? '' : 's'}${first ? `: ${first}` : ''}`.slice(0, MAX_TEST_MESSAGE);
  }
  return result;
}

function describe(n: Node): string {
  // Surefire puts a rerun's trace in a <stackTrace> child.
  const trace = typeof n.stackTrace === 'string' ? n.stackTrace : n.stackTrace && typeof n.stackTrace === 'object' ? text(n.stackTrace as Node) : '';
  const parts = [attr(n, 'type'), attr(n, 'message'), text(n), trace].filter((p) => p.trim() !== '');
  return parts.join(': ').trim();
}

function attr(n: Node, name: string): string {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function text(n: Node): string {
  const v = n['#text'];
  return typeof v === 'string' ? v : '';
}

/** Elements as objects; with `keepEmpty`, an empty element (`<skipped/>`, parsed as '') counts too. */
function asNodes(v: unknown, keepEmpty = false): Node[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  const out: Node[] = [];
  for (const item of list) {
    if (item !== null && typeof item === 'object') out.push(item as Node);
    else if (keepEmpty) out.push({ '#text': typeof item === 'string' ? item : '' });
  }
  return out;
}
