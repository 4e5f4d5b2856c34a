import { formatSpan } from '../tiers/duration.js';
import type { Tone } from './ladder.js';
import { subjectLabel, type Problem } from './model.js';

/** The commit a Problem is blamed on, as far as bb knows it. */
export interface Culprit {
  revision: string;
  /** First line of the commit message. */
  subject?: string;
  author?: string;
}

/** Why this person gets the reminder. */
export type Role = 'guilty' | 'sheriff' | 'owner' | 'responsible' | 'interested';

export interface ReminderContext {
  botName: string;
  tone: Tone;
  role: Role;
  /** Reminders this person already had about the Problem. */
  count: number;
  /** How long the Problem has been open. */
  openFor: number;
  culprit: Culprit;
}

/** A message in plain text, with a subject for email. */
export interface Message {
  subject: string;
  text: string;
}

const clean = (s: string, max = 120) => {
  // eslint-disable-next-line no-control-regex
  const line = s.replace(/\s+/g, ' ').replace(/[\x00-\x1f\x7f]/g, '').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

export function whatFails(p: Problem): string {
  const names = p.subjects.map(subjectLabel).map((n) => clean(n, 80));
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const builders = p.builders.map((b) => b.builder).join(', ');
  return `${shown} ${names.length === 1 ? 'fails' : 'fail'} on ${builders}`;
}

export function commitText(c: Culprit): string {
  const rev = c.revision.slice(0, 12);
  const parts = [c.subject ? `"${clean(c.subject, 80)}"` : '', c.author ? `by ${clean(c.author, 60)}` : ''].filter(Boolean);
  return parts.length ? `${rev} (${parts.join(' ')})` : rev;
}

const ROLE: Record<Role, string> = {
  guilty: 'Your change is among those blamed.',
  sheriff: 'You are the sheriff on duty.',
  owner: 'You own code this change touched.',
  responsible: 'You are among those responsible for it.',
  interested: 'You asked to hear about it.',
};

/** One reminder, worded by its tone: a nudge, then firmer, then urgent. */
export function reminder(p: Problem, c: ReminderContext): Message {
  const what = `${whatFails(p)} since ${commitText(c.culprit)}`;
  const cmd = (s: string) => `"${c.botName}: ${s} ${p.id}"`;
  const open = formatSpan(c.openFor);
  const how = c.role === 'guilty' ? `When you are on it say ${cmd('ack')}; if it is not yours, ${cmd('not me')}.` : `Say ${cmd('ack')} when someone is on it.`;
  let text: string;
  let subject: string;
  switch (c.tone) {
    case 'gentle':
      text = `Problem #${p.id}: ${what}. It passed before (${(p.lastGoodRevision ?? '?').slice(0, 12)}). ${ROLE[c.role]} ${how}`;
      subject = `problem #${p.id}: ${whatFails(p)}`;
      break;
    case 'firm':
      text = `Problem #${p.id} is still open after ${open}: ${what}. ${ROLE[c.role]} Please look at it now. ${how}`;
      subject = `still broken after ${open}: problem #${p.id}, ${whatFails(p)}`;
      break;
    case 'urgent':
      text = `URGENT: problem #${p.id} has been open for ${open}: ${what}. ${ROLE[c.role]} Fix or revert it now. ${how}`;
      subject = `URGENT, open ${open}: problem #${p.id}, ${whatFails(p)}`;
      break;
  }
  return { subject: `[bb] ${subject}${c.count ? ` (reminder ${c.count + 1})` : ''}`, text };
}

/** A mention in a channel: the people named, then the reminder. */
export function mention(p: Problem, names: string[], c: Omit<ReminderContext, 'role' | 'count'>): string {
  const what = `${whatFails(p)} since ${commitText(c.culprit)}`;
  const lead = names.length ? `${names.join(', ')}: ` : '';
  const open = formatSpan(c.openFor);
  const head = c.tone === 'urgent' ? `URGENT: problem #${p.id} has been open for ${open}` : c.tone === 'firm' ? `problem #${p.id} is still open after ${open}` : `problem #${p.id}`;
  return `${lead}${head}: ${what}. Say "${c.botName}: ack ${p.id}" when you are on it.`;
}

/** What the interested hear when a Problem starts. */
export function started(p: Problem, culprit: Culprit): Message {
  const guilty = p.guilty.length ? `; guilty: ${p.guilty.join(', ')}` : '; nobody found to blame';
  return { subject: `[bb] problem #${p.id} opened: ${whatFails(p)}`, text: `Problem #${p.id} opened: ${whatFails(p)} since ${commitText(culprit)}${guilty}.` };
}

/** What the interested (and everyone reminded) hear when it ends. */
export function ended(p: Problem): Message {
  const open = p.resolvedAt ? ` after ${formatSpan(p.resolvedAt - (p.confirmedAt ?? p.openedAt))}` : '';
  const names = p.subjects.map(subjectLabel).map((n) => clean(n, 80));
  return {
    subject: `[bb] fixed: problem #${p.id}, ${names.join(', ')} on ${p.builders.map((b) => b.builder).join(', ')}`,
    text: `Problem #${p.id} is fixed${open}: ${names.join(', ')} ${names.length === 1 ? 'passes' : 'pass'} again on ${p.builders.map((b) => b.builder).join(', ')}${fixText(p)}. No more reminders about it.`,
  };
}

/** ` (fixed in 0123456789ab by Zooko Wilcox)`: the last fix's revision and author, where known. */
function fixText(p: Problem): string {
  const last = [...p.builders].filter((b) => b.fixedAt !== undefined).sort((a, b) => (b.fixedAt ?? 0) - (a.fixedAt ?? 0))[0];
  if (!last?.fixedRevision) return '';
  return ` (fixed in ${last.fixedRevision.slice(0, 12)}${last.fixedBy ? ` by ${clean(last.fixedBy, 80)}` : ''})`;
}

/** What the sheriff hears when someone says a Problem is not theirs. */
export function notMeNotice(p: Problem, user: string, reason: string | undefined, botName: string): Message {
  const left = p.guilty.length ? `Still blamed: ${p.guilty.join(', ')}.` : 'Nobody is blamed now.';
  return {
    subject: `[bb] problem #${p.id}: ${user} says it is not theirs`,
    text: `${user} says problem #${p.id} (${whatFails(p)}) is not theirs${reason ? `: "${clean(reason, 200)}"` : ''}. ${left} As sheriff, please see who broke it: "${botName}: problem ${p.id}".`,
  };
}
