import type { z } from 'zod';

/** Plain-words descriptions of what a schema wants and of what a config holds, for error messages. */

type Schema = z.core.$ZodType;

interface Def {
  type: string;
  element?: Schema;
  options?: readonly Schema[];
  innerType?: Schema;
  values?: readonly unknown[];
  entries?: Record<string, unknown>;
}

const SIMPLE: Record<string, [string, string]> = {
  string: ['a string', 'strings'],
  number: ['a number', 'numbers'],
  int: ['a whole number', 'whole numbers'],
  boolean: ['true or false', 'booleans'],
  object: ['an object', 'objects'],
  record: ['an object', 'objects'],
  array: ['an array', 'arrays'],
  function: ['a function', 'functions'],
  // In the config schema, custom checks are only used for functions (filters, fileIsImportant).
  custom: ['a function', 'functions'],
};

/** `a string`, `an array of strings`, `a string or an array of strings`; with `plural`, `strings`... */
export function describeSchema(schema: Schema, plural = false): string {
  const def = schema._zod.def as unknown as Def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType ? describeSchema(def.innerType, plural) : 'a value';
    case 'array':
      return `${plural ? 'arrays' : 'an array'} of ${def.element ? describeSchema(def.element, true) : 'values'}`;
    case 'union':
      return [...new Set((def.options ?? []).map((o) => describeSchema(o, plural)))].join(' or ');
    case 'literal':
      return (def.values ?? []).map((v) => JSON.stringify(v)).join(' or ');
    case 'enum':
      return `one of ${Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v))
        .join(', ')}`;
    default:
      return describeType(def.type, plural);
  }
}

/** For a zod type name (`string`, `array`, `int`...). */
export function describeType(type: string, plural = false): string {
  const words = SIMPLE[type];
  if (words) return plural ? words[1] : words[0];
  return plural ? `${type} values` : `a ${type}`;
}

/** What the config holds there: `the number 3`, `the string "x"`, `an object`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 40 ? `a ${value.length}-character string` : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return value.length ? 'an array' : 'an empty array';
  return 'an object';
}
