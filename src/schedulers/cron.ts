import { createRequire } from 'node:module';
import type * as CronParser from 'cron-parser';
import { isKnownTimeZone, isUtcZone } from '../util/time-zone.js';

let parser: typeof CronParser.CronExpressionParser | undefined;
/**
 * cron-parser (and luxon under it, about 1.3 MiB of heap) loads on the first nightly computed in a
 * zone other than UTC, so a master without one never holds it (nor the ICU locale data luxon's
 * first Intl.DateTimeFormat maps, about 5 MiB of RSS). CommonJS: `require` skips the lexing an ESM
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
  if (isUtcZone(f.timezone)) return nextUtcNightly(f, after);
  const it = cronParser().parse(cronExpression(f), { currentDate: new Date(after), tz: f.timezone });
  return it.next().getTime();
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Days searched for a match: 28 years, the calendar's cycle of leap days and weekdays (a 29 February that is a Monday). */
const SEARCH_DAYS = 28 * 366;

function matches(field: CronField, v: number): boolean {
  return field === '*' || (typeof field === 'number' ? field === v : field.includes(v));
}

function valuesOf(field: CronField, [lo, hi]: readonly [number, number]): number[] {
  if (field === '*') return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return [...new Set(typeof field === 'number' ? [field] : field)].sort((a, b) => a - b);
}

/**
 * `nextNightly` in UTC, where no daylight saving moves the clock: the same answers as cron-parser
 * (test/unit/timed-schedule.test.ts compares them) without loading it. Day by day from `after`:
 * a day matches when its month does and, as in cron, its day of the month or of the week (either
 * one when both are restricted, else the restricted one); its first hour and minute after `after` fires.
 */
function nextUtcNightly(f: NightlyFields, after: number): number {
  const from = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  const hours = valuesOf(f.hour, CRON_RANGES.hour);
  const minutes = valuesOf(f.minute, CRON_RANGES.minute);
  const domRestricted = f.dayOfMonth !== '*';
  const dowRestricted = f.dayOfWeek !== '*';
  for (let day = Math.floor(from / DAY) * DAY, i = 0; i < SEARCH_DAYS; i++, day += DAY) {
    const d = new Date(day);
    if (!matches(f.month, d.getUTCMonth() + 1)) continue;
    const dom = matches(f.dayOfMonth, d.getUTCDate());
    const dow = matches(f.dayOfWeek, d.getUTCDay());
    if (!(domRestricted && dowRestricted ? dom || dow : dom && dow)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const at = day + h * 3_600_000 + m * MINUTE;
        if (at >= from) return at;
      }
    }
  }
  throw new Error(`no date in the next 28 years matches ${cronExpression(f)}`);
}

/** Whether `tz` is a time zone this Node knows (IANA names, `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  return isKnownTimeZone(tz);
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
