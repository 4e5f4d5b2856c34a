/**
 * Time-zone checks that keep away from Intl where they can. The first `Intl.DateTimeFormat` a
 * process makes (or `toLocaleString`, `Intl.NumberFormat`) has V8 look into every locale ICU
 * knows, which maps about 5 MiB of ICU's data (file-backed, but resident in the process) for the
 * process's life. UTC, bb's default zone everywhere, needs no data: it is known here.
 */

/** UTC by one of the names IANA gives it (`UTC`, `Etc/UTC`, any case). */
export function isUtcZone(zone: string): boolean {
  return /^(etc\/)?utc$/i.test(zone);
}

/** Whether this Node knows `zone` as a time zone (IANA names, `UTC`). */
export function isKnownTimeZone(zone: string): boolean {
  if (!zone) return false;
  if (isUtcZone(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
