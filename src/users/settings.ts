import type { QuietHours } from '../model/user.js';
import { ActionError } from '../actions/error.js';

/**
 * Checks of the settings people give for themselves or others (`bb user add|set`, `my …` and
 * `user set` in chat). Pure: no store, no clock unless given one.
 */

/** A setting refused, with the reason for the person who gave it. */
export class SettingError extends ActionError {}

/** What a time zone looks like in an error: the one people most likely meant. */
const ZONE_EXAMPLE = 'Europe/Berlin';

/**
 * An IANA time zone that this Node's Intl.DateTimeFormat accepts (`Europe/Berlin`, `UTC`,
 * `America/Argentina/Buenos_Aires`), in its canonical case when only the case differs
 * (`europe/berlin` → `Europe/Berlin`); otherwise as given. Offsets such as `+01:00` are refused:
 * they are not zones (no daylight saving), though newer Node versions accept them.
 */
export function checkTimeZone(text: string): string {
  const zone = text.trim();
  const bad = () => new SettingError(`time zone ${JSON.stringify(text)} is not an IANA time zone, e.g. ${ZONE_EXAMPLE}`);
  if (!zone || zone.length > 64 || /^[+-]|\d:\d/.test(zone)) throw bad();
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw bad();
  }
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}

/** `7:05` or `07:05` → `07:05`; null when it is not a time of day. */
export function parseClock(text: string): string | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** Quiet hours with both ends a time of day (`HH:MM`, normalised) and not the same time. */
export function checkQuietHours(q: QuietHours): QuietHours {
  const from = parseClock(q.from);
  const to = parseClock(q.to);
  if (!from || !to) throw new SettingError(`quiet hours ${JSON.stringify(`${q.from}-${q.to}`)}: write HH:MM-HH:MM, e.g. 22:00-07:00`);
  if (from === to) throw new SettingError(`quiet hours ${from}-${to} begin and end at the same time: give a range such as 22:00-07:00, or none`);
  return { from, to };
}

/** `22:00-07:00` (spaces around the dash allowed) → quiet hours; throws SettingError. */
export function parseQuietHours(text: string): QuietHours {
  const m = /^\s*([^\s-]+)\s*-\s*([^\s-]+)\s*$/.exec(text);
  if (!m) throw new SettingError(`quiet hours ${JSON.stringify(text)}: write HH:MM-HH:MM, e.g. 22:00-07:00`);
  return checkQuietHours({ from: m[1]!, to: m[2]! });
}

/** Words that turn quiet hours off. */
export function isOff(text: string): boolean {
  return ['off', 'none', 'no'].includes(text.trim().toLowerCase());
}

/** The word that puts a setting back to bb's default. */
export function isDefault(text: string): boolean {
  return text.trim().toLowerCase() === 'default';
}

/**
 * Quiet hours as given: `22:00-07:00`, `off` (none: false) or `default` (unset: null, the hassler's
 * default applies); throws SettingError.
 */
export function parseQuietSetting(text: string): QuietHours | false | null {
  if (isOff(text)) return false;
  if (isDefault(text)) return null;
  return parseQuietHours(text);
}

/** `22:00-07:00`. */
export function formatQuietHours(q: QuietHours): string {
  return `${q.from}-${q.to}`;
}

/** What bb uses for users who set no time zone or quiet hours (`problems.hassle`). */
export interface SettingDefaults {
  timeZone: string;
  quietHours: QuietHours | false;
}

/** `quiet hours 22:00-07:00`, `no quiet hours`, or with no setting of their own, bb's default. */
export function describeQuietHours(q: QuietHours | false | undefined, defaults?: SettingDefaults): string {
  if (q) return `quiet hours ${formatQuietHours(q)}`;
  if (q === false) return 'no quiet hours';
  if (!defaults) return "bb's default quiet hours";
  return defaults.quietHours ? `bb's default quiet hours (${formatQuietHours(defaults.quietHours)})` : "bb's default quiet hours (none)";
}

/** `time zone Europe/Berlin`, or with none of their own, bb's default. */
export function describeTimeZone(zone: string | undefined, defaults?: SettingDefaults): string {
  if (zone) return `time zone ${zone}`;
  return defaults ? `bb's default time zone (${defaults.timeZone})` : "bb's default time zone";
}

/** The time of day in a zone, `HH:MM`. */
export function clockIn(zone: string, now: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(now));
}

/** What `user set NAME tz=ZONE quiet=HH:MM-HH:MM` asks for. */
export interface SettingsChange {
  timeZone?: string;
  /** false: no quiet hours at all; null: back to bb's default. */
  quietHours?: QuietHours | false | null;
}

/** The keys `user set` takes in chat, and their other spellings. */
const KEYS: Record<string, keyof SettingsChange> = {
  tz: 'timeZone',
  timezone: 'timeZone',
  'time-zone': 'timeZone',
  quiet: 'quietHours',
  'quiet-hours': 'quietHours',
};

/** Reads `tz=Europe/Berlin quiet=22:00-07:00` (or `quiet=off`, `quiet=default`); throws SettingError. */
export function parseSettingPairs(words: string[]): SettingsChange {
  const change: SettingsChange = {};
  if (!words.length) throw new SettingError('say what to set: tz=ZONE and/or quiet=HH:MM-HH:MM (or quiet=off, quiet=default)');
  for (const w of words) {
    const eq = w.indexOf('=');
    const key = eq > 0 ? KEYS[w.slice(0, eq).toLowerCase()] : undefined;
    const value = eq > 0 ? w.slice(eq + 1) : '';
    if (!key) throw new SettingError(`"${w}" is not a setting: write tz=ZONE or quiet=HH:MM-HH:MM (or quiet=off, quiet=default)`);
    if (key in change) throw new SettingError(`${w.slice(0, eq)} is given twice`);
    if (!value) throw new SettingError(`${w.slice(0, eq)}= needs a value`);
    if (key === 'timeZone') change.timeZone = checkTimeZone(value);
    else change.quietHours = parseQuietSetting(value);
  }
  return change;
}
