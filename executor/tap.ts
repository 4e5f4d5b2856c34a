import type { TestCaseResult } from '../src/model/build.js';
import { MAX_TEST_MESSAGE } from './junit.js';

/**
 * Test cases of a TAP 13/14 stream. `ok`/`not ok` lines are tests; a `# SKIP` directive makes a
 * skip and `# TODO` a pass (a known gap is not a failure). Indented (subtest) blocks belong to the
 * test line that follows them at the outer level: their suite becomes `suite > parent` and the
 * parent line itself, a summary, is not counted unless it failed while no child did. A YAML block
 * under a failing test becomes its message. `Bail out!` and too few tests for the top-level plan
 * are reported as errors named "(bail out)" and "(plan)".
 */
export function parseTap(text: string, suite = 'tap'): TestCaseResult[] {
  const top: Pending[] = [];
  /** Buffers of finished tests per depth, waiting for their parent line. */
  const levels: Pending[][] = [top];
  let last: Pending | undefined;
  let yaml: { indent: string; lines: string[]; owner: Pending | undefined } | undefined;
  let plan: number | undefined;
  let topCount = 0;
  let bailed = false;

  for (const raw of text.split(/\r?\n/)) {
    if (yaml) {
      if (raw.trim() === '...') {
        if (yaml.owner && yaml.owner.outcome !== 'pass') yaml.owner.message ??= yaml.lines.join('\n').trim();
        yaml = undefined;
      } else yaml.lines.push(raw.startsWith(yaml.indent) ? raw.slice(yaml.indent.length) : raw.trimStart());
      continue;
    }
    const indent = /^ */.exec(raw)![0];
    const line = raw.slice(indent.length);
    const depth = Math.floor(indent.length / 4);
    if (line.trimEnd() === '---') {
      yaml = { indent, lines: [], owner: last };
      continue;
    }
    const bail = /^Bail out!\s*(.*)$/.exec(line);
    if (bail) {
      bailed = true;
      top.push({ path: [], name: '(bail out)', outcome: 'error', message: bail[1]?.trim() || 'the test run bailed out' });
      break;
    }
    const planMatch = /^1\.\.(\d+)/.exec(line);
    if (planMatch && depth === 0) plan = Number(planMatch[1]);
    const point = /^(not )?ok\b[ \t]*(\d+)?[ \t]*(?:- )?(.*)$/.exec(line);
    if (!point) continue;
    const { desc, directive } = splitDirective(point[3] ?? '');
    const t: Pending = { path: [], name: desc || `test ${point[2] ?? '?'}`, outcome: point[1] ? 'fail' : 'pass' };
    if (/^skip/i.test(directive)) {
      t.outcome = 'skip';
      const reason = directive.replace(/^skip\S*\s*/i, '');
      if (reason) t.message = reason;
    } else if (/^todo\b/i.test(directive)) t.outcome = 'pass';
    last = t;
    while (levels.length <= depth) levels.push([]);
    const children = levels.splice(depth + 1).flat();
    for (const c of children) c.path.unshift(t.name);
    levels[depth]!.push(...children);
    if (children.length === 0 || (t.outcome === 'fail' && !children.some((c) => c.outcome === 'fail' || c.outcome === 'error'))) {
      levels[depth]!.push(t);
    }
    if (depth === 0) topCount += 1;
  }
  const all = levels.flat();
  if (!bailed && plan !== undefined && topCount < plan) {
    all.push({ path: [], name: '(plan)', outcome: 'error', message: `planned ${plan} tests but ${topCount} ran` });
  }
  return all.map(({ path, ...t }) => ({
    ...t,
    suite: [suite, ...path].join(' > '),
    ...(t.message !== undefined ? { message: t.message.slice(0, MAX_TEST_MESSAGE) } : {}),
  }));
}

interface Pending extends Omit<TestCaseResult, 'suite'> {
  /** Names of the enclosing subtests, outermost first. */
  path: string[];
}

/** Split "desc # DIRECTIVE" at the first unescaped '#'; unescape `\#` and `\\` in the description. */
function splitDirective(rest: string): { desc: string; directive: string } {
  let desc = '';
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '\\' && (rest[i + 1] === '#' || rest[i + 1] === '\\')) {
      desc += rest[i + 1];
      i += 1;
    } else if (ch === '#') {
      return { desc: desc.trim(), directive: rest.slice(i + 1).trim() };
    } else desc += ch;
  }
  return { desc: desc.trim(), directive: '' };
}
