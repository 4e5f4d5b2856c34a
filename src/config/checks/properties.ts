import type { LocatedProblem } from '../issues.js';
import { isRecord, records, type RawRecord } from '../raw.js';

/**
 * Properties travel as JSON (to Redis, to executors, into `%(prop:…)`): each value must be plain
 * data. A value that refers back to itself, or that JSON cannot carry (a function, a symbol, a
 * bigint, a class instance such as a Date), is named with its path.
 */
export function checkProperties(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const check = (props: unknown, at: PropertyKey[]) => {
    if (!isRecord(props)) return;
    for (const [name, value] of Object.entries(props)) {
      const problem = plainDataProblem(value, [...at, name], [props]);
      if (problem) problems.push(problem);
    }
  };
  check(config.properties, ['properties']);
  for (const { index, value } of records(config, 'builders')) check(value.properties, ['builders', index, 'properties']);
  for (const { index, value } of records(config, 'schedulers')) check(value.properties, ['schedulers', index, 'properties']);
  return problems;
}

/** The first place in `value` that is not plain JSON data, or null. */
function plainDataProblem(value: unknown, at: PropertyKey[], parents: unknown[]): LocatedProblem | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { at, message: `${value} cannot be stored as a property; use a finite number or a string` };
  if (typeof value !== 'object') return { at, message: `a ${typeof value} cannot be a property value; use a string, number, boolean, null, list or plain object` };
  if (parents.includes(value)) return { at, message: 'this value contains itself (a cycle); properties must be plain data without cycles' };
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    return { at, message: 'a class instance cannot be a property value; use a string, number, boolean, null, list or plain object' };
  }
  const inner = [...parents, value];
  const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const p = plainDataProblem(v, [...at, k], inner);
    if (p) return p;
  }
  return null;
}
