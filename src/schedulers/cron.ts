import { createRequire } from 'node:module';
import type * as CronParser from 'cron-parser';

let parser: typeof CronParser.CronExpressionParser | undefined;
/**
 * cron-parser (and luxon under it, about 1.3 MiB of heap) loads on the first nightly computed, so a
 * master without a nightly scheduler never holds it. CommonJS: `require` skips the lexing an ESM
 * import does first.
 */
function cronParser(): typeof CronParser.CronExpressionParser {
  parser ??= (createRequire(import.meta.url)('cron-parser') as typeof CronParser).CronExpressionParser;
  return parser;
}

/**
 * The nightly scheduler's clock: its cron fields as a cron expression, read in an IANA time zone
 * by cron-parser. Pure: the caller passes the time to count from.
 *
 * Across daylight-saving changes a nightly fires once per matching local time: a time skipped by
 * the clock going forward (02:30 on the night Europe/Berlin moves to summer time) fires at the
 * first instant after the gap (03:30 local), and a time that occurs twice when the clock goes back
 * fires at its first occurrence only.
 */

/** A number, a list of numbers, or '*' for every value. */
export type CronField = '*' | number | readonly number[];

export interface NightlyFields {
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
  /** IANA zone name, e.g. `Europe/Berlin`, `UTC`. */
  timezone: string;
}

/** The values each field takes (months 1 = January; days of the week 0 = Sunday). */
export const CRON_RANGES = {
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 6],
} as const;

export type CronFieldName = keyof typeof CRON_RANGES;
export const CRON_FIELDS = Object.keys(CRON_RANGES) as CronFieldName[];

function fieldText(v: CronField): string {
  if (v === '*') return '*';
  if (typeof v === 'number') return String(v);
  return [...new Set(v)].sort((a, b) => a - b).join(',');
}

/** `minute hour dayOfMonth month dayOfWeek`, e.g. `0 3 * * 1,2,3,4,5`. */
export function cronExpression(f: Omit<NightlyFields, 'timezone'>): string {
  return CRON_FIELDS.map((k) => fieldText(f[k])).join(' ');
}

/**
 * The first fire strictly after `after` (epoch ms). When both dayOfMonth and dayOfWeek are
 * restricted, either one matching is enough (as in cron). Throws when the fields never match.
 */
export function nextNightly(f: NightlyFields, after: number): number {
  const it = cronParser().parse(cronExpression(f), { currentDate: new Date(after), tz: f.timezone });
  return it.next().getTime();
}

/** Whether `tz` is a time zone this Node knows (IANA names, `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Values of one field outside its range, as a message; undefined when the field is fine (or not a number/list: the schema's to report). */
export function fieldRangeProblem(name: CronFieldName, value: unknown): string | undefined {
  const [lo, hi] = CRON_RANGES[name];
  const values = typeof value === 'number' ? [value] : Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
  const bad = values.filter((v) => Number.isInteger(v) && (v < lo || v > hi));
  if (!bad.length) return undefined;
  const hint = name === 'dayOfWeek' ? ' (0 is Sunday)' : name === 'month' ? ' (1 is January)' : '';
  return `${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} out of range: ${name} takes ${lo}-${hi}${hint}, a list of those, or '*'`;
}
