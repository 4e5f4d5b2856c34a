import type { Store } from '../data/store.js';
import { openProblems } from '../data/problems.js';
import { summarize, type ProblemSummary } from '../model/problem.js';

export type { Problem, ProblemState, ProblemSummary } from '../model/problem.js';

/**
 * Open Problems (suspected or confirmed) seen on `builder`, oldest first. Read by the tiers code
 * (tree status, demotion). Flaky and resolved Problems are left out.
 */
/** Open Problems by builder (each oldest first), read once: what `openProblemsOn` says for every builder. */
export async function openProblemsByBuilder(store: Store): Promise<Map<string, ProblemSummary[]>> {
  const out = new Map<string, ProblemSummary[]>();
  for (const p of await openProblems(store)) {
    for (const b of p.builders) {
      if (b.fixedAt !== undefined) continue;
      (out.get(b.builder) ?? out.set(b.builder, []).get(b.builder)!).push(summarize(p));
    }
  }
  return out;
}

export async function openProblemsOn(store: Store, builder: string): Promise<ProblemSummary[]> {
  const all = await openProblems(store);
  return all.filter((p) => p.builders.some((b) => b.builder === builder && b.fixedAt === undefined)).map(summarize);
}
