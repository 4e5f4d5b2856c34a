import type { LocatedProblem } from '../issues.js';
import { records, stringAt, type RawRecord } from '../raw.js';

const SECTIONS = [
  ['builders', 'builder'],
  ['executors', 'executor'],
  ['schedulers', 'scheduler'],
  ['repositories', 'repository'],
] as const;

/** Names are unique within each of builders, executors, schedulers and repositories. */
export function checkUniqueNames(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const [section, noun] of SECTIONS) {
    const first = new Map<string, number>();
    for (const { index, value } of records(config, section)) {
      const name = stringAt(value, 'name');
      if (name === undefined) continue;
      const earlier = first.get(name);
      if (earlier === undefined) first.set(name, index);
      else
        problems.push({
          at: [section, index, 'name'],
          message: `duplicate ${noun} name ${JSON.stringify(name)} (already used by ${section}[${earlier}]); give each ${noun} its own name`,
        });
    }
  }
  return problems;
}
