import type { OutboxEntry } from '../data/outbox-repo.js';

export interface BacklogRules {
  /** An entry waiting longer than this is late: it is sent with the time it was said. */
  lateAfterMs: number;
  /** More late entries than this for one channel or person are summarised. */
  limit: number;
  /** How many of the newest late entries are still sent after a summary. */
  keep: number;
}

export const DEFAULT_BACKLOG: BacklogRules = { lateAfterMs: 30_000, limit: 10, keep: 5 };

/** What to do with one outbox entry, in outbox order. */
export type Step =
  | { kind: 'send'; entry: OutboxEntry; text: string; html?: string }
  /** Folded into a summary sent earlier (or now, for the first of its kind). */
  | { kind: 'skip' };

/**
 * How a run of outbox entries goes out: on time as they are; late ones with `[HH:MM UTC]` in
 * front; and where one channel or person has more than `limit` late ones, the oldest of them
 * become one summary line ("12 announcements while I was away (since 18:02 UTC): 3 FAILURE, …;
 * the last 5 follow") in place of the first, and the newest `keep` are still sent.
 */
export function plan(entries: OutboxEntry[], now: number, rules: BacklogRules = DEFAULT_BACKLOG): Step[] {
  const late = (e: OutboxEntry) => now - e.at > rules.lateAfterMs;
  const byTarget = new Map<string, OutboxEntry[]>();
  for (const e of entries) {
    if (!late(e)) continue;
    const k = targetKey(e);
    byTarget.set(k, [...(byTarget.get(k) ?? []), e]);
  }
  const folded = new Map<OutboxEntry, OutboxEntry[] | 'skip'>();
  for (const list of byTarget.values()) {
    if (list.length <= rules.limit) continue;
    const old = list.slice(0, list.length - rules.keep);
    folded.set(old[0]!, old);
    for (const e of old.slice(1)) folded.set(e, 'skip');
  }
  return entries.map((e): Step => {
    const f = folded.get(e);
    if (f === 'skip') return { kind: 'skip' };
    if (f) {
      const text = summary(f, rules.keep, now);
      // Its own transaction id: the summary is another message than the entry it replaces.
      return { kind: 'send', entry: { ...e, text, mentions: [], ...(e.id ? { id: `${e.id}.summary` } : {}) }, text };
    }
    if (!late(e)) return { kind: 'send', entry: e, text: e.text, ...(e.html !== undefined ? { html: e.html } : {}) };
    const stamp = `[${clock(e.at, now)}]`;
    return { kind: 'send', entry: e, text: `${stamp} ${e.text}`, ...(e.html !== undefined ? { html: `${stamp} ${e.html}` } : {}) };
  });
}

function targetKey(e: OutboxEntry): string {
  return `${e.direct ? 'dm' : 'ch'}:${e.to}`;
}

function summary(old: OutboxEntry[], keep: number, now: number): string {
  const counts = new Map<string, number>();
  for (const e of old) counts.set(e.tally ?? 'other', (counts.get(e.tally ?? 'other') ?? 0) + 1);
  const tallies = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t, n]) => `${n} ${t}`);
  const what = old[0]!.direct ? 'messages' : 'announcements';
  return `${old.length} ${what} while I was away (since ${clock(old[0]!.at, now)}): ${tallies.join(', ')}; the last ${keep} follow.`;
}

/** `18:02 UTC`, with the date in front when it is not the day of `now`. */
export function clock(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const day = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? '' : `${iso.slice(0, 10)} `;
  return `${day}${iso.slice(11, 16)} UTC`;
}
