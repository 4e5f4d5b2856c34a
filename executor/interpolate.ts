/**
 * Property references in step commands, workdirs and env values: `%(prop:NAME)` takes the build
 * property NAME, `%(prop:NAME:-DEFAULT)` falls back to DEFAULT when NAME is unset (or null).
 * Nothing else is special: a `%` that does not start `%(prop:` is kept as written, so shell text
 * such as `date +%s` needs no escaping.
 */

export class InterpolationError extends Error {}

const REF = /%\(prop:([^)]*)\)/g;
const BODY = /^([A-Za-z0-9_.-]+)(?::-(.*))?$/s;

/** How a property value reads inside a command: strings as they are, other values as JSON. */
export function propertyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function interpolate(text: string, props: Readonly<Record<string, unknown>>): string {
  if (!text.includes('%(prop:')) return text;
  if (text.replace(REF, '').includes('%(prop:')) {
    throw new InterpolationError('unterminated property reference "%(prop:" (missing ")")');
  }
  return text.replace(REF, (_whole, body: string) => {
    const m = BODY.exec(body);
    if (!m) throw new InterpolationError(`malformed property reference "%(prop:${body})": write %(prop:NAME) or %(prop:NAME:-DEFAULT)`);
    const name = m[1]!;
    const value = Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
    if (value !== undefined && value !== null) return propertyText(value);
    if (m[2] !== undefined) return m[2];
    throw new InterpolationError(`property "${name}" is not set and "%(prop:${name})" has no default (write %(prop:${name}:-DEFAULT))`);
  });
}

/** Interpolate every value of a record (env); keys are kept as written. */
export function interpolateRecord(rec: Readonly<Record<string, string>>, props: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = interpolate(v, props);
  return out;
}
