import { compileGlob } from '../../schedulers/match.js';
import type { LocatedProblem } from '../issues.js';
import { records, strings, type RawRecord } from '../raw.js';

function globProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'an empty glob matches nothing; remove it';
  if (glob.startsWith('/') || glob.startsWith('!/')) {
    return `glob ${JSON.stringify(glob)} never matches: paths are relative to the repository root, so drop the leading "/"`;
  }
  try {
    compileGlob(glob);
    return undefined;
  } catch (err) {
    return `glob ${JSON.stringify(glob)} cannot be compiled: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Every `fileIsImportant` glob compiles, the same way the scheduler will compile it. */
export function checkGlobs(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const { index, value } of records(config, 'schedulers')) {
    for (const g of strings(value, 'fileIsImportant')) {
      const message = globProblem(g.value);
      if (message) problems.push({ at: ['schedulers', index, 'fileIsImportant', g.index], message });
    }
  }
  return problems;
}
