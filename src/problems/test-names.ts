/**
 * How failing tests are named and counted in messages, when there may be dozens of them: names
 * as short as the build allows (qualified by class, then file, only where a short name is
 * ambiguous), grouped by the file (or suite) they live in, and lists cut only between names, with
 * a count of what was left out. Pure: no I/O.
 */
import { oneLine } from '../util/safe-text.js';

/** A test as results name it: suite (class, module or file), name, and the file when the results name one. */
export interface TestRef {
  suite: string;
  name: string;
  file?: string | undefined;
  /** Its name as already qualified within its build (stored on a Problem), used as it is. */
  label?: string | undefined;
}

/** Longest single name shown; a longer one is cut (after a word where possible) and ends in `…`. */
export const NAME_MAX = 80;

/** One clean line (src/util/safe-text.ts), at most `max` characters; a cut falls after a word where it can and is always marked with `…`. */
export function clipName(s: string, max = NAME_MAX): string {
  const line = oneLine(s.length > max * 4 + 64 ? s.slice(0, max * 4 + 64) : s);
  if (line.length <= max) return line;
  const head = line.slice(0, max - 1);
  const cut = Math.max(head.lastIndexOf(' '), head.lastIndexOf('.'), head.lastIndexOf('/'), head.lastIndexOf(':'));
  return `${cut >= max / 2 ? head.slice(0, cut + 1).trimEnd() : head}…`;
}

const SEP = /(::|\.|\/|\\| > )/;
const FILE_EXT = /\.(py|js|mjs|cjs|ts|tsx|jsx|t|rb|go|java|kt|php|rs|c|cc|cpp|cs|sh|ex|exs|erl|hs|swift|pl)$/i;
const PY_TEST_MODULE = /^(test_.*|.*_test|tests?)$/;

/** The parts of a suite, separators kept with the part after them: `a.b::C` → [`a`, `.b`, `::C`]. */
function parts(suite: string): string[] {
  const pieces = suite.split(SEP);
  const out = [pieces[0] ?? ''];
  for (let i = 1; i < pieces.length; i += 2) out.push(`${pieces[i]}${pieces[i + 1] ?? ''}`);
  return out.filter((p) => p !== '');
}

function looksLikeFile(suite: string): boolean {
  return /[/\\]/.test(suite) || FILE_EXT.test(suite);
}

/** The last `k` parts of a suite, without the separator in front. */
function suffix(suite: string, k: number): string {
  return parts(suite).slice(-k).join('').replace(/^(::|\.|\/|\\| > )/, '');
}

/** `suite-part` + name, joined as the suite's kind reads: `test_x.py::test_a`, `TestParser.test_a`. */
function join(suitePart: string, name: string): string {
  if (!suitePart) return name;
  return `${suitePart}${looksLikeFile(suitePart) || suitePart.includes('::') ? '::' : '.'}${name}`;
}

/**
 * Each test's shortest unambiguous name within `universe` (every test of the build, or at least
 * the failing ones): the bare name where no other suite has a test of that name, else with as many
 * trailing parts of its suite (class, then module or file) as it takes to tell them apart; tests
 * whose suites are the same too are told apart by their files (`links.test.ts::Parser.parses`).
 */
export function qualifiedNames(tests: TestRef[], universe: Iterable<TestRef> = tests): string[] {
  const all = [...universe, ...tests];
  // Per name, per suite: the files it is found in (a test whose results name none is no other test).
  const filesOf = new Map<string, Map<string, Set<string>>>();
  for (const t of all) {
    let suites = filesOf.get(t.name);
    if (!suites) filesOf.set(t.name, (suites = new Map()));
    let files = suites.get(t.suite);
    if (!files) suites.set(t.suite, (files = new Set()));
    if (t.file) files.add(t.file);
  }
  const where = (t: TestRef): string => (t.file && filesOf.get(t.name)!.get(t.suite)!.size > 1 ? (t.suite ? `${t.file}::${t.suite}` : t.file) : t.suite);
  const wheresOf = new Map<string, Set<string>>();
  for (const t of all) {
    let s = wheresOf.get(t.name);
    if (!s) wheresOf.set(t.name, (s = new Set()));
    s.add(where(t));
  }
  // Per shared name: each place's shortest suffix that no other place with that name ends in.
  const labels = new Map<string, Map<string, string>>();
  const labelFor = (t: TestRef): string => {
    let byPlace = labels.get(t.name);
    if (!byPlace) labels.set(t.name, (byPlace = shortestSuffixes([...wheresOf.get(t.name)!])));
    const w = where(t);
    return join(byPlace.get(w) ?? w, t.name);
  };
  return tests.map((t) => ((wheresOf.get(t.name)?.size ?? 0) <= 1 ? t.name : labelFor(t)));
}

/**
 * Copies of `subjects` in which each test whose bare name another test of `build` (every test of
 * the build that found them) shares carries its name as shown (`label`); a test without one is
 * shown by its bare name.
 */
export function withLabels<T extends TestRef & { kind: string }>(subjects: T[], build: Iterable<TestRef>): T[] {
  const tests = subjects.filter((s) => s.kind === 'test');
  const names = qualifiedNames(tests, build);
  const label = new Map(tests.map((t, i) => [t, names[i]!]));
  return subjects.map((s) => (label.has(s) && label.get(s) !== s.name ? { ...s, label: label.get(s)! } : s));
}

/**
 * Each test's name as shown: the label stored with it (qualified within its build) where there is
 * one, else qualified within `universe` (a name another failing test shares is then still told
 * apart, for Problems stored before labels were kept).
 */
export function displayNames(tests: TestRef[], universe?: Iterable<TestRef>): string[] {
  const computed = qualifiedNames(tests, universe);
  return tests.map((t, i) => t.label || computed[i]!);
}

/** For each suite, its fewest trailing parts that no other suite of the list ends in (the whole suite if none). */
function shortestSuffixes(suites: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let left = suites;
  for (let k = 1; left.length; k++) {
    const count = new Map<string, number>();
    for (const s of suites) {
      const key = suffix(s, k);
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    const still: string[] = [];
    for (const s of left) {
      const mine = suffix(s, k);
      if (count.get(mine) === 1 || k >= parts(s).length) out.set(s, k >= parts(s).length ? s : mine);
      else still.push(s);
    }
    left = still;
  }
  return out;
}

/** Where a test lives, for grouping: the file its results name, else its file as the suite shows it, else the suite itself. */
export function placeOf(t: TestRef): { key: string; file: boolean } {
  return t.file ? { key: t.file.replace(/^\.\//, ''), file: true } : fileOf(t.suite);
}

/** A suite's file when the suite shows one (`a/b.py::C`, `x.test.ts`, pytest's `tests.test_parse`), else the suite itself. */
export function fileOf(suite: string): { key: string; file: boolean } {
  if (!suite) return { key: '', file: false };
  const colons = suite.indexOf('::');
  if (colons > 0) return { key: suite.slice(0, colons), file: true };
  if (looksLikeFile(suite)) return { key: suite, file: true };
  const segs = suite.split('.');
  let end = segs.length;
  while (end > 1 && /^[A-Z]/.test(segs[end - 1]!)) end--;
  const module = segs.slice(0, end);
  // pytest's classname is the module path (`tests.test_parse`), then the class if any.
  if (PY_TEST_MODULE.test(module[module.length - 1]!)) return { key: `${module.join('/')}.py`, file: true };
  return { key: suite, file: false };
}

export interface TestGroup {
  /** The file (or suite) as the results give it. */
  key: string;
  /** Shortest label that no other group shares: `test_parse.py`, `LexerTest`. */
  label: string;
  file: boolean;
  /** Indexes into the list grouped, in its order. */
  members: number[];
}

/** The tests by file (or suite), largest group first (ties: by label). */
export function groupTests(tests: TestRef[]): TestGroup[] {
  const byKey = new Map<string, { key: string; file: boolean; members: number[] }>();
  tests.forEach((t, i) => {
    const where = placeOf(t);
    let g = byKey.get(where.key);
    if (!g) byKey.set(where.key, (g = { ...where, members: [] }));
    g.members.push(i);
  });
  const short = (g: { key: string; file: boolean }) => (g.key === '' ? '(no suite)' : (g.key.split(g.file ? /[/\\]/ : '.').pop() ?? g.key));
  const count = new Map<string, number>();
  for (const g of byKey.values()) count.set(short(g), (count.get(short(g)) ?? 0) + 1);
  const groups = [...byKey.values()].map((g) => ({ ...g, label: clipName((count.get(short(g)) ?? 0) > 1 ? g.key : short(g), 60) }));
  return groups.sort((a, b) => b.members.length - a.members.length || a.label.localeCompare(b.label));
}

function unit(groups: TestGroup[], n: number): string {
  const file = groups.every((g) => g.file);
  return n === 1 ? (file ? 'file' : 'suite') : file ? 'files' : 'suites';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `46 tests in test_parse.py and 5 more files`: a count and the biggest group, for subject lines. */
export function countLine(tests: TestRef[]): string {
  const groups = groupTests(tests);
  if (!groups.length) return 'no tests';
  const top = groups[0]!;
  const rest = groups.length - 1;
  return `${plural(tests.length, 'test')} in ${top.label}${rest ? ` and ${rest} more ${unit(groups, rest)}` : ''}`;
}

/** `46 tests in 3 files (43 in test_syntax.py, 2 in test_lex.py, 1 in test_x.py)`: every group, up to `max`. */
export function groupingLine(tests: TestRef[], max = 4): string {
  const groups = groupTests(tests);
  if (groups.length <= 1) return countLine(tests);
  const shown = groups.slice(0, groups.length > max ? max - 1 : max).map((g) => `${g.members.length} in ${g.label}`);
  const left = groups.length - shown.length;
  if (left) shown.push(`${left} more ${unit(groups, left)}`);
  return `${plural(tests.length, 'test')} in ${groups.length} ${unit(groups, groups.length)} (${shown.join(', ')})`;
}

export interface ListedTests {
  /** One line per group shown: `test_parse.py (43): TestA.test_x, test_y, …`. */
  lines: string[];
  shown: number;
  total: number;
}

/**
 * The tests grouped by file, as many names as fit in `maxChars` (never a name cut in two). Inline:
 * one line per group (`test_parse.py (8): a, b, … 3 more`), for chat; else a header per group and
 * one indented name a line, for email.
 */
export function listTests(tests: TestRef[], maxChars: number, opts: { universe?: Iterable<TestRef>; oneEach?: boolean } = {}): ListedTests {
  const names = displayNames(tests, opts.universe).map((n) => clipName(n));
  const sep = opts.oneEach ? '\n  ' : ', ';
  const lines: string[] = [];
  let used = 0;
  let shown = 0;
  for (const g of groupTests(tests)) {
    const head = `${g.label} (${g.members.length}):${opts.oneEach ? '' : ' '}`;
    if (used + head.length + 10 > maxChars) break;
    const kept: string[] = [];
    let len = head.length;
    for (const i of g.members) {
      const n = names[i]!;
      if (used + len + n.length + sep.length > maxChars) break;
      kept.push(n);
      len += n.length + sep.length;
    }
    if (!kept.length) break;
    shown += kept.length;
    used += len;
    const left = g.members.length - kept.length;
    const list = opts.oneEach ? `${sep}${kept.join(sep)}${left ? `${sep}… ${left} more` : ''}` : `${kept.join(sep)}${left ? `, … ${left} more` : ''}`;
    lines.push(...`${head}${list}`.split('\n'));
    if (left) break;
  }
  return { lines, shown, total: tests.length };
}

/** One test of a full list: as stored, its file (or suite) group and its shortest unambiguous name. */
export interface ListedTest {
  suite: string;
  name: string;
  file?: string;
  group: string;
  label: string;
}

/** Every test, one entry each, grouped by file, with its qualified name: for `--tests` and paging. */
export function allTests(tests: TestRef[], universe?: Iterable<TestRef>): ListedTest[] {
  const names = displayNames(tests, universe);
  const out: ListedTest[] = [];
  for (const g of groupTests(tests)) {
    for (const i of g.members) {
      const t = tests[i]!;
      out.push({ suite: t.suite, name: t.name, ...(t.file ? { file: t.file } : {}), group: g.label, label: names[i]! });
    }
  }
  return out;
}
