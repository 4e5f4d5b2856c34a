import type { TestCaseResult } from '../src/model/build.js';

/**
 * Keeps tests with the same suite and name apart: the first keeps its name, later ones become
 * `name (2)`, `name (3)`, … in the order the report lists them (a parameterised case run twice, a
 * tape test name used twice). A name made this way never collides with a real one.
 */
export function keepApart(tests: TestCaseResult[]): TestCaseResult[] {
  const taken = new Set(tests.map((t) => key(t.suite, t.name)));
  const seen = new Map<string, number>();
  return tests.map((t) => {
    const k = key(t.suite, t.name);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    if (n === 1) return t;
    let ordinal = n;
    let name = `${t.name} (${ordinal})`;
    while (taken.has(key(t.suite, name))) name = `${t.name} (${++ordinal})`;
    seen.set(k, ordinal);
    taken.add(key(t.suite, name));
    return { ...t, name };
  });
}

function key(suite: string, name: string): string {
  return `${suite}\u0000${name}`;
}
