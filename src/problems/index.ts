import type { Store } from '../data/store.js';
import { summarize, type Problem, type ProblemSummary } from '../model/problem.js';

export type { Problem, ProblemState, ProblemSummary } from '../model/problem.js';

/**
 * Open Problems (suspected or confirmed) seen on `builder`, oldest first. Read by the tiers code
 * (tree status, demotion). Flaky and resolved Problems are left out.
 */
/** Open Problems by builder (each oldest first), read once: what `openProblemsOn` says for every builder. */
export async function openProblemsByBuilder(store: Store): Promise<Map<string, ProblemSummary[]>> {
  const out = new Map<string, ProblemSummary[]>();
  for (const p of await store.problems.open()) {
    for (const b of p.builders) {
      if (b.fixedAt !== undefined) continue;
      (out.get(b.builder) ?? out.set(b.builder, []).get(b.builder)!).push(summarize(p));
    }
  }
  return out;
}

export async function openProblemsOn(store: Store, builder: string): Promise<ProblemSummary[]> {
  const all = await store.problems.open();
  return all.filter((p) => p.builders.some((b) => b.builder === builder && b.fixedAt === undefined)).map(summarize);
}

/** The tests of a Problem's first failing build (on its first builder), by suite and name: what its test names are told apart within. */
export async function firstBadTests(store: Store, p: Problem): Promise<Array<{ suite: string; name: string }>> {
  const first = p.builders[0];
  if (!first) return [];
  return (await store.getTests(first.firstBadBuildId)).map((t) => ({ suite: t.suite, name: t.name }));
}
