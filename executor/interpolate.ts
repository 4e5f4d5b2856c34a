/**
 * Property references in step commands, workdirs and env values: `%(prop:NAME)` takes the build
 * property NAME, `%(prop:NAME:-DEFAULT)` falls back to DEFAULT when NAME is unset (or null).
 * Nothing else is special: a `%` that does not start `%(prop:` or `%(rawprop:` is kept as written,
 * so shell text such as `date +%s` needs no escaping.
 *
 * In a command that runs through the shell (a string command) a value is shell-quoted: a branch
 * named `x;rm -rf ~` or `$(curl …)` (webhooks and pollers accept such names) stays one word and
 * runs nothing. `%(rawprop:NAME)` inserts the value as it is, for the rare property that holds
 * shell text on purpose. A DEFAULT is the config's own text and is inserted as written.
 */

export class InterpolationError extends Error {}

const REF = /%\((raw)?prop:([^)]*)\)/g;
const BODY = /^([A-Za-z0-9_.-]+)(?::-(.*))?$/s;

/** How a property value reads inside a command: strings as they are, other values as JSON. */
export function propertyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** One shell word for `text`: as it is when only safe characters, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface InterpolateOptions {
  /** The text is a shell command: quote values (not `%(rawprop:…)`). */
  shell?: boolean;
}

export function interpolate(text: string, props: Readonly<Record<string, unknown>>, opts: InterpolateOptions = {}): string {
  if (!text.includes('prop:')) return text;
  if (text.replace(REF, '').match(/%\((raw)?prop:/)) {
    throw new InterpolationError('unterminated property reference "%(prop:" (missing ")")');
  }
  return text.replace(REF, (_whole, raw: string | undefined, body: string) => {
    const kind = raw ? 'rawprop' : 'prop';
    const m = BODY.exec(body);
    if (!m) throw new InterpolationError(`malformed property reference "%(${kind}:${body})": write %(${kind}:NAME) or %(${kind}:NAME:-DEFAULT)`);
    const name = m[1]!;
    const value = Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
    if (value !== undefined && value !== null) return opts.shell && !raw ? shellQuote(propertyText(value)) : propertyText(value);
    if (m[2] !== undefined) return m[2];
    throw new InterpolationError(`property "${name}" is not set and "%(${kind}:${name})" has no default (write %(${kind}:${name}:-DEFAULT))`);
  });
}

/** Interpolate every value of a record (env); keys are kept as written. */
export function interpolateRecord(rec: Readonly<Record<string, string>>, props: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) out[k] = interpolate(v, props);
  return out;
}
