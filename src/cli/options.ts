import { CliError } from './connect.js';

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `k=v` pairs into an object; a value that parses as JSON (number, true, …) keeps its type. */
export function parseProperties(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`bad property "${pair}": write it as name=value`, 2);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      /* a plain string */
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}
