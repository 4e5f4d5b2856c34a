import { isSafeBranchName } from '../../model/change.js';
import { closest } from '../suggest.js';
import { CRON_FIELDS, fieldRangeProblem, isValidTimeZone, nextNightly, type NightlyFields } from '../../schedulers/cron.js';
import type { LocatedProblem } from '../issues.js';
import { records, stringAt, type RawRecord } from '../raw.js';

const DEFAULTS: Omit<NightlyFields, 'timezone'> = { minute: 0, hour: 0, dayOfMonth: '*', month: '*', dayOfWeek: '*' };

function zoneProblem(tz: string): string {
  const near = closest(tz, Intl.supportedValuesOf('timeZone'));
  return `unknown time zone ${JSON.stringify(tz)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"`;
}

function isField(v: unknown): v is NightlyFields['minute'] {
  return v === '*' || Number.isInteger(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x)));
}

/**
 * Periodic and nightly schedulers: branch names git accepts, cron fields within their ranges, a
 * time zone this Node knows, and fields that fire at all (not 31 February).
 */
export function checkTimedSchedulers(config: RawRecord): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  for (const { index, value } of records(config, 'schedulers')) {
    if (value.type !== 'periodic' && value.type !== 'nightly') continue;
    const at = (...rest: PropertyKey[]) => ['schedulers', index, ...rest];
    const branch = stringAt(value, 'branch');
    if (branch && !isSafeBranchName(branch)) {
      problems.push({ at: at('branch'), message: `${JSON.stringify(branch)} is not a valid branch name (no leading "-", spaces, "..", or characters git forbids); use the branch's name as git shows it` });
    }
    if (value.type !== 'nightly') continue;
    let fieldsOk = true;
    for (const name of CRON_FIELDS) {
      const message = fieldRangeProblem(name, value[name]);
      if (message) problems.push({ at: at(name), message });
      if (message || (value[name] !== undefined && !isField(value[name]))) fieldsOk = false;
    }
    const tz = value.timezone === undefined ? 'UTC' : stringAt(value, 'timezone');
    if (tz === undefined) continue; // not a string: the schema reports it
    if (!isValidTimeZone(tz)) {
      problems.push({ at: at('timezone'), message: zoneProblem(tz) });
      continue;
    }
    if (!fieldsOk) continue;
    const fields = { ...DEFAULTS, timezone: tz } as NightlyFields;
    for (const name of CRON_FIELDS) if (value[name] !== undefined) (fields as unknown as Record<string, unknown>)[name] = value[name];
    try {
      nextNightly(fields, Date.now());
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push({ at: at('dayOfMonth'), message: `the fields never match a date (${why}); a dayOfMonth must exist in one of the months given (no 30 or 31 with month 2)` });
    }
  }
  return problems;
}
