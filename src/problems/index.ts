import type { Store } from '../data/store.js';
import { openProblems } from '../data/problems.js';
import { summarize, type ProblemSummary } from '../model/problem.js';

export type { Problem, ProblemState, ProblemSummary } from '../model/problem.js';

/**
 * Open Problems (suspected or confirmed) seen on `builder`, oldest first. Read by the tiers code
 * (tree status, demotion). Flaky and resolved Problems are left out.
 */
export async function openProblemsOn(store: Store, builder: string): Promise<ProblemSummary[]> {
  const all = await openProblems(store);
  return all.filter((p) => p.builders.some((b) => b.builder === builder && b.fixedAt === undefined)).map(summarize);
}
