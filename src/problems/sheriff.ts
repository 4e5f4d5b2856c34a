/** The ISO-8601 week of a moment (UTC), e.g. `2026-W48`, and its week number. */
export function isoWeek(at: number): { label: string; year: number; week: number } {
  const d = new Date(at);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return { label: `${year}-W${String(week).padStart(2, '0')}`, year, week };
}

/** Who is on duty in a weekly rotation: the rotation's entries in turn, one per ISO week. */
export function sheriffOnDuty(rotation: readonly string[], at: number): string | null {
  if (!rotation.length) return null;
  const { year, week } = isoWeek(at);
  return rotation[(year * 53 + week) % rotation.length]!;
}
