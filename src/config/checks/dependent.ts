import type { LocatedProblem } from '../issues.js';
import { closest } from '../suggest.js';
import { names, records, stringAt, type RawRecord } from '../raw.js';

/**
 * A dependent scheduler's `upstream` names another scheduler, and following `upstream` from any
 * dependent never comes back to it (a cycle would build forever, or never).
 */
export function checkDependents(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const known = names(config, 'schedulers');
  const upstreamOf = new Map<string, { upstream: string; index: number }>();
  for (const { index, value } of records(config, 'schedulers')) {
    if (value.type !== 'dependent') continue;
    const upstream = stringAt(value, 'upstream');
    const name = stringAt(value, 'name');
    if (upstream === undefined) continue; // the schema reports it
    const at = ['schedulers', index, 'upstream'];
    if (upstream === name) {
      problems.push({ at, message: `a dependent scheduler cannot follow itself; name the scheduler whose builds it follows` });
    } else if (!known.includes(upstream)) {
      const near = closest(upstream, known);
      problems.push({
        at,
        message: `unknown scheduler ${JSON.stringify(upstream)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''} ${known.length ? `(known: ${known.join(', ')})` : ''}`.trim(),
      });
    } else if (name !== undefined) {
      upstreamOf.set(name, { upstream, index });
    }
  }
  const reported = new Set<string>();
  for (const start of upstreamOf.keys()) {
    const path = [start];
    let at = upstreamOf.get(start)?.upstream;
    while (at !== undefined && !path.includes(at)) {
      path.push(at);
      at = upstreamOf.get(at)?.upstream;
    }
    if (at !== start || reported.has(start)) continue;
    for (const n of path) reported.add(n);
    problems.push({
      at: ['schedulers', upstreamOf.get(start)!.index, 'upstream'],
      message: `dependent schedulers form a cycle (${[...path, start].join(' → ')}); one of them must follow a scheduler that is not dependent`,
    });
  }
  return problems;
}
