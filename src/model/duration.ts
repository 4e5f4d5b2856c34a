/**
 * Durations, one rule everywhere (config, chat, CLI): a number and a unit, `ms`, `s`, `m`, `h`,
 * `d` or `w`, several of them in a row (`1h30m`, `1d 12h`), or one decimal (`1.5h`).
 */
const UNITS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNITS;

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/y;

/** `90s`, `30m`, `1h30m`, `1.5d`, `1w`, `500ms` → milliseconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (!s) return null;
  let total = 0;
  let parts = 0;
  let decimal = false;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m) return null;
    if (m[1]!.includes('.')) decimal = true;
    total += Number(m[1]) * UNITS[m[2] as Unit];
    parts += 1;
    while (s[PART.lastIndex] === ' ') PART.lastIndex += 1;
    if (PART.lastIndex === at) return null;
  }
  if (decimal && parts > 1) return null;
  return Math.round(total);
}

/** What a config or a command says when a duration does not parse. */
export const DURATION_HINT = 'a duration such as 90s, 30m, 1h30m, 2d or 1w';

/**
 * A duration said back exactly, largest units first, so it reads as it was given: 90 000 → `1m30s`,
 * 604 800 000 → `1w`, 129 600 000 → `1d12h`. Parses back to the same number (to the millisecond).
 */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of Object.keys(UNITS) as Unit[]) {
    const n = Math.floor(rest / UNITS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNITS[unit];
    }
  }
  return out;
}

/**
 * How long something has lasted, to the nearest second and at most two units: `45s`, `12m`,
 * `3h 5m`, `2d 4h` (ages and streaks; a duration someone gave is said back with formatDuration).
 */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60 ? ` ${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${h % 24 ? ` ${h % 24}h` : ''}`;
}
