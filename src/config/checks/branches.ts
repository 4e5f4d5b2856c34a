import { isSafeBranchName } from '../../model/change.js';
import type { LocatedProblem } from '../issues.js';
import { records, stringAt, strings, type RawRecord } from '../raw.js';

const RULE = 'no leading "-", no spaces, "..", "~", "^", ":", "?", "*", "[" or "\\", no part starting with "."';

function problem(at: PropertyKey[], branch: string): LocatedProblem {
  return { at, message: `${JSON.stringify(branch)} is not a valid branch name (${RULE}); use the branch's name as git shows it` };
}

/** Branch names handed to git (single-branch schedulers, polled branches) are ones git accepts and cannot read as options. */
export function checkBranches(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const { index, value } of records(config, 'schedulers')) {
    if (value.type !== 'single-branch') continue;
    const branch = stringAt(value, 'branch');
    if (branch && !isSafeBranchName(branch)) problems.push(problem(['schedulers', index, 'branch'], branch));
  }
  for (const { index, value } of records(config, 'repositories')) {
    for (const b of strings(value, 'branches')) {
      if (!isSafeBranchName(b.value)) problems.push(problem(['repositories', index, 'branches', b.index], b.value));
    }
  }
  return problems;
}
