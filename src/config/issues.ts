import type { z } from 'zod';
import { describeSchema, describeType, describeValue } from './describe.js';
import type { ConfigPath } from './path.js';
import { closest } from './suggest.js';

/** A problem before its path is written out. */
export interface LocatedProblem {
  at: ConfigPath;
  message: string;
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * Zod's messages rewritten to say what the config should hold and what it holds instead. Messages
 * written into the schema itself (`a builder needs at least one step`) take precedence over these.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => messageFor(iss);

function messageFor(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const own = iss.schema && iss.schema._zod.def.type === iss.expected;
      return expected(own && iss.schema ? describeSchema(iss.schema) : describeType(iss.expected), iss.input);
    }
    case 'invalid_union':
      if (iss.discriminator) return badDiscriminator(iss.discriminator, (iss.options as readonly unknown[] | undefined) ?? [], iss.input);
      return iss.schema ? expected(describeSchema(iss.schema), iss.input) : undefined;
    case 'invalid_value':
      return oneOf(iss.values, iss.input);
    case 'too_small':
      return tooSmall(iss.origin, Number(iss.minimum), iss.inclusive !== false, iss.input);
    case 'too_big':
      return tooBig(iss.origin, Number(iss.maximum), iss.inclusive !== false, iss.input);
    case 'invalid_format':
      return iss.format === 'regex' && iss.pattern ? `must match ${iss.pattern}` : `must be a valid ${iss.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(iss.divisor)}`;
    case 'unrecognized_keys':
      return unknownKeys(iss.keys, shapeKeys(iss.schema ?? iss.inst));
    default:
      return undefined;
  }
}

function expected(want: string, input: unknown): string {
  return input === undefined ? `missing; expected ${want}` : `expected ${want}, got ${describeValue(input)}`;
}

function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : (quoted[0] ?? 'nothing');
}

function didYouMean(input: unknown, values: readonly unknown[]): string {
  if (typeof input !== 'string') return '';
  const near = closest(input, values.filter((v): v is string => typeof v === 'string'));
  return near ? ` (did you mean ${JSON.stringify(near)}?)` : '';
}

function badDiscriminator(key: string, options: readonly unknown[], input: unknown): string {
  const value = input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>)[key] : input;
  if (value === undefined) return `missing; expected ${quoteList(options)}`;
  const shown = typeof value === 'string' ? JSON.stringify(value) : describeValue(value);
  return `unknown ${key} ${shown}; expected ${quoteList(options)}${didYouMean(value, options)}`;
}

function oneOf(values: readonly unknown[], input: unknown): string {
  return `expected ${quoteList(values)}, got ${describeValue(input)}${didYouMean(input, values)}`;
}

function unit(origin: string, n: number): string {
  if (origin === 'string') return `${n} character${n === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${n} entr${n === 1 ? 'y' : 'ies'}`;
  return String(n);
}

function tooSmall(origin: string, min: number, inclusive: boolean, input: unknown): string {
  if ((origin === 'string' || origin === 'array') && min === 1 && inclusive) return 'must not be empty';
  if (origin === 'string' || origin === 'array' || origin === 'set') return `needs at least ${unit(origin, min)}`;
  return `must be ${inclusive ? 'at least' : 'more than'} ${min}, got ${describeValue(input)}`;
}

function tooBig(origin: string, max: number, inclusive: boolean, input: unknown): string {
  if (origin === 'string' || origin === 'array' || origin === 'set') return `may have at most ${unit(origin, max)}`;
  return `must be ${inclusive ? 'at most' : 'less than'} ${max}, got ${describeValue(input)}`;
}

function shapeKeys(schema: unknown): string[] {
  const def = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def;
  return def?.shape ? Object.keys(def.shape) : [];
}

function unknownKeys(keys: readonly string[], known: readonly string[]): string {
  const knownList = known.length ? ` (known: ${known.join(', ')})` : '';
  if (keys.length !== 1) return `unknown options ${keys.map((k) => JSON.stringify(k)).join(', ')}${knownList}`;
  const key = keys[0]!;
  const near = closest(key, known);
  return `unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : knownList}`;
}

/** Zod's issues as located problems; an unknown option points at the option itself. */
export function schemaProblems(issues: readonly z.core.$ZodIssue[]): LocatedProblem[] {
  return issues.map((issue) => {
    const at: PropertyKey[] = [...issue.path];
    if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) at.push(issue.keys[0]!);
    return { at, message: issue.message };
  });
}
