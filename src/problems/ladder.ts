import type { HassleConfig, HassleLevel } from '../config/schema.js';

/** The tone of a reminder: it rises with the level. */
export type Tone = 'gentle' | 'firm' | 'urgent';

/** One step of a Problem's ladder: a level, or a repeat of the last level. */
export interface LadderStep {
  /** 0, 1, … over the levels, then on over the repeats. */
  index: number;
  /** `L1`, `L2`, … for levels (1-based, as people count), `R1`, `R2`, … for repeats. */
  key: string;
  level: HassleLevel;
  levelIndex: number;
  /** 0 for a level, n for the n-th repeat of the last level. */
  repeat: number;
  tone: Tone;
}

/** The ladder for a Problem: the first of its builders with its own ladder, else its project's, else the default. */
export function ladderFor(h: HassleConfig, builders: string[], project?: string): HassleLevel[] {
  for (const b of builders) if (h.builders[b]) return h.builders[b]!;
  if (project && h.projects[project]) return h.projects[project]!;
  return h.ladder;
}

/** Step `index` of a ladder, or null when the ladder (with its capped repeats) is over. */
export function stepAt(levels: HassleLevel[], index: number, h: Pick<HassleConfig, 'repeatEvery' | 'maxRepeats'>): LadderStep | null {
  if (index < 0) return null;
  if (index < levels.length) {
    const level = levels[index]!;
    return { index, key: `L${index + 1}`, level, levelIndex: index, repeat: 0, tone: toneOf(levels, index) };
  }
  const repeat = index - levels.length + 1;
  if (h.repeatEvery <= 0 || repeat > h.maxRepeats) return null;
  const levelIndex = levels.length - 1;
  return { index, key: `R${repeat}`, level: levels[levelIndex]!, levelIndex, repeat, tone: toneOf(levels, levelIndex) };
}

/** The configured tone, else gentle for the first level, urgent for the last, firm between. */
export function toneOf(levels: HassleLevel[], i: number): Tone {
  const own = levels[i]?.tone;
  if (own) return own;
  if (i === 0) return 'gentle';
  return i === levels.length - 1 ? 'urgent' : 'firm';
}

/**
 * When a step falls due. A level is due `after` its offset from `base` (when the Problem was
 * confirmed), but never sooner after the step before it than the ladder's own gap, so a pause
 * (ack, snooze, quiet hours) delays what follows instead of letting it pile up. A repeat is due
 * `repeatEvery` after the step before it.
 */
export function dueAt(levels: HassleLevel[], step: LadderStep, base: number, lastRunAt: number | undefined, repeatEvery: number): number {
  if (step.repeat > 0) return (lastRunAt ?? base + levels[levels.length - 1]!.after) + repeatEvery;
  const own = base + step.level.after;
  if (lastRunAt === undefined || step.index === 0) return own;
  const gap = step.level.after - levels[step.index - 1]!.after;
  return Math.max(own, lastRunAt + gap);
}

/** The local wall clock of a moment in a time zone: minutes since midnight and seconds. */
export function localClock(at: number, timeZone: string): { minutes: number; seconds: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { minutes: get('hour') * 60 + get('minute'), seconds: get('second') };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Whether a local time (minutes since midnight) lies in quiet hours `from`–`to` (which may span midnight). */
export function inQuietHours(minutes: number, quiet: { from: string; to: string }): boolean {
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  return from < to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

/**
 * When quiet hours end, if `at` lies in them in `timeZone`: the epoch ms of the next local `to`
 * (taking a daylight-saving shift in between into account); null when `at` is not quiet.
 */
export function quietUntil(at: number, timeZone: string, quiet: { from: string; to: string } | false | undefined): number | null {
  if (!quiet) return null;
  const now = localClock(at, timeZone);
  if (!inQuietHours(now.minutes, quiet)) return null;
  const to = minutesOf(quiet.to);
  const wait = (to - now.minutes + 1440) % 1440 || 1440;
  let end = at + wait * 60_000 - now.seconds * 1000 - (at % 1000);
  // A clock change in between moves local `to`: correct by what the local clock says at `end`.
  for (let i = 0; i < 2; i++) {
    const there = localClock(end, timeZone).minutes;
    let off = to - there;
    if (off > 720) off -= 1440;
    if (off < -720) off += 1440;
    if (off === 0) break;
    end += off * 60_000;
  }
  return end;
}
