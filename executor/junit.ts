import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { TestCaseResult, TestOutcome } from '../src/model/build.js';

/** Longest failure message kept per test (the job schema's limit). */
export const MAX_TEST_MESSAGE = 8192;

export class TestResultsError extends Error {}

type Node = Record<string, unknown>;

const ARRAYS = new Set(['testsuites', 'testsuite', 'testcase', 'failure', 'error', 'skipped']);

/**
 * Test cases of a JUnit XML report: a `<testsuites>` or `<testsuite>` root, suites nested to any
 * depth. A case's suite is its `classname`, else the name of the suite around it. Outcome: error
 * if it has an `<error>`, fail with a `<failure>`, skip with `<skipped>`, pass otherwise.
 */
export function parseJUnit(xml: string): TestCaseResult[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    textNodeName: '#text',
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
  return out;
}

function walk(node: Node, outerSuite: string, out: TestCaseResult[]): void {
  const suite = attr(node, 'name') || outerSuite;
  for (const tc of asNodes(node.testcase)) out.push(testCase(tc, suite));
  for (const inner of asNodes(node.testsuite)) walk(inner, suite, out);
  for (const inner of asNodes(node.testsuites)) walk(inner, suite, out);
}

function testCase(tc: Node, suite: string): TestCaseResult {
  const result: TestCaseResult = {
    suite: attr(tc, 'classname') || suite,
    name: attr(tc, 'name') || '(unnamed)',
    outcome: 'pass',
  };
  const seconds = Number(attr(tc, 'time'));
  if (attr(tc, 'time') !== '' && Number.isFinite(seconds) && seconds >= 0) result.durationMs = Math.round(seconds * 1000);
  const found: Array<[TestOutcome, string]> = [['error', 'error'], ['fail', 'failure'], ['skip', 'skipped']];
  for (const [outcome, tag] of found) {
    const children = asNodes(tc[tag], true);
    if (children.length === 0) continue;
    result.outcome = outcome;
    const message = describe(children[0]!);
    if (message) result.message = message.slice(0, MAX_TEST_MESSAGE);
    break;
  }
  return result;
}

function describe(n: Node): string {
  const parts = [attr(n, 'type'), attr(n, 'message'), text(n)].filter((p) => p.trim() !== '');
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
