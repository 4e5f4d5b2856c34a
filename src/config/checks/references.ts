import type { LocatedProblem } from '../issues.js';
import { names, records, strings, type RawRecord } from '../raw.js';

function knownList(known: readonly string[], plural: string): string {
  return known.length ? `(known: ${known.join(', ')})` : `(no ${plural} are configured)`;
}

/** Each entry of `owner[key]` names an existing thing, and none is listed twice. */
function checkList(
  owner: RawRecord,
  at: readonly PropertyKey[],
  key: string,
  known: readonly string[],
  noun: string,
  plural: string,
): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const seen = new Set<string>();
  const knownSet = new Set(known);
  const listed = [...knownSet];
  for (const { index, value } of strings(owner, key)) {
    if (seen.has(value)) {
      problems.push({ at: [...at, key, index], message: `${noun} ${JSON.stringify(value)} is listed twice; remove one` });
    } else if (!knownSet.has(value)) {
      problems.push({ at: [...at, key, index], message: `unknown ${noun} ${JSON.stringify(value)} ${knownList(listed, plural)}` });
    }
    seen.add(value);
  }
  return problems;
}

/** Schedulers name existing builders; builders name existing executors. */
export function checkReferences(config: RawRecord): LocatedProblem[] {
  const builders = names(config, 'builders');
  const executors = names(config, 'executors');
  return [
    ...records(config, 'schedulers').flatMap(({ index, value }) =>
      checkList(value, ['schedulers', index], 'builders', builders, 'builder', 'builders'),
    ),
    ...records(config, 'builders').flatMap(({ index, value }) =>
      checkList(value, ['builders', index], 'executors', executors, 'executor', 'executors'),
    ),
  ];
}
