import { formatSpan } from '../model/duration.js';
import type { Tone } from './ladder.js';
import type { Problem } from '../model/problem.js';
import { shortRev } from '../model/revision.js';
import { headline, problemUrl, subjectsBlock, wholeList, isSummarised, type Pointers } from './subject-text.js';
import { clipName } from './test-names.js';

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
  /** The web pages' base address, for links to the Problem's page. */
  titleUrl?: string | undefined;
}

/** A message: `text` for chat (a few lines), `subject` and `body` (longer, defaults to `text`) for email. */
export interface Message {
  subject: string;
  text: string;
  body?: string;
}

/** Names listed in a chat message and in an email body, in characters. */
const CHAT_LIST_MAX = 260;
const MAIL_LIST_MAX = 2500;
/** Longest email subject. */
const SUBJECT_MAX = 150;

const clean = (s: string, max = 120) => clipName(s, max);

export function whatFails(p: Problem): string {
  return `${headline(p)} ${p.subjects.length === 1 ? 'fails' : 'fail'} on ${builderList(p)}`;
}

/** The builders, at most three named. */
export function builderList(p: Problem): string {
  const names = p.builders.map((b) => clipName(b.builder, 40));
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

/**
 * A chat message and an email of the same news: one head line, then the names that fit in each.
 * The email always ends with the Problem's page when there is a web address (chat only when names are left out).
 */
function withNames(p: Problem, at: Pointers, subject: string, head: string, tail = ''): Message {
  const chat = subjectsBlock(p, at, CHAT_LIST_MAX);
  const mail = subjectsBlock(p, at, MAIL_LIST_MAX, true);
  const url = problemUrl(at.titleUrl, p.id);
  if (url && !mail.some((l) => l.includes(url))) mail.push(`Details: ${url}`);
  const text = [head + tail, ...chat].join('\n');
  const body = mail.length ? [head + tail, '', ...mail].join('\n') : head + tail;
  return { subject: clipName(subject, SUBJECT_MAX), text, body };
}

export function commitText(c: Culprit): string {
  const rev = shortRev(c.revision);
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
      text = `Problem #${p.id}: ${what}. It passed before (${shortRev(p.lastGoodRevision)}). ${ROLE[c.role]} ${how}`;
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
  const count = c.count ? ` (reminder ${c.count + 1})` : '';
  const msg = withNames(p, { botName: c.botName, titleUrl: c.titleUrl }, `[bb] ${clipName(subject, SUBJECT_MAX - count.length - 5)}${count}`, text);
  return msg;
}

/** A mention in a channel: the people named, then the reminder; with many tests, where they are listed. */
export function mention(p: Problem, names: string[], c: Omit<ReminderContext, 'role' | 'count'>): string {
  const what = `${whatFails(p)} since ${commitText(c.culprit)}`;
  const lead = names.length ? `${names.join(', ')}: ` : '';
  const open = formatSpan(c.openFor);
  const head = c.tone === 'urgent' ? `URGENT: problem #${p.id} has been open for ${open}` : c.tone === 'firm' ? `problem #${p.id} is still open after ${open}` : `problem #${p.id}`;
  const more = isSummarised(p) ? `\n${capital(wholeList(p.id, c))}.` : '';
  return `${lead}${head}: ${what}. Say "${c.botName}: ack ${p.id}" when you are on it.${more}`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What the interested hear when a Problem starts. */
export function started(p: Problem, culprit: Culprit, at: Pointers = { botName: 'bb' }): Message {
  const guilty = p.guilty.length ? `; guilty: ${p.guilty.join(', ')}` : '; nobody found to blame';
  return withNames(p, at, `[bb] problem #${p.id} opened: ${whatFails(p)}`, `Problem #${p.id} opened: ${whatFails(p)} since ${commitText(culprit)}${guilty}.`);
}

/** What the interested (and everyone reminded) hear when it ends: one short subject, the names that fit below. */
export function ended(p: Problem, at: Pointers = { botName: 'bb' }): Message {
  const open = p.resolvedAt ? ` after ${formatSpan(p.resolvedAt - (p.confirmedAt ?? p.openedAt))}` : '';
  const what = headline(p);
  return withNames(
    p,
    at,
    `[bb] fixed: problem #${p.id}, ${what} on ${builderList(p)}`,
    `Problem #${p.id} is fixed${open}: ${what} ${p.subjects.length === 1 ? 'passes' : 'pass'} again on ${builderList(p)}${fixText(p)}. No more reminders about it.`,
  );
}

/** ` (fixed in 0123456789ab by Zooko Wilcox)`: the last fix's revision and author, where known. */
function fixText(p: Problem): string {
  const last = [...p.builders].filter((b) => b.fixedAt !== undefined).sort((a, b) => (b.fixedAt ?? 0) - (a.fixedAt ?? 0))[0];
  if (!last?.fixedRevision) return '';
  return ` (fixed in ${shortRev(last.fixedRevision)}${last.fixedBy ? ` by ${clean(last.fixedBy, 80)}` : ''})`;
}

/** What the sheriff hears when someone says a Problem is not theirs. */
export function notMeNotice(p: Problem, user: string, reason: string | undefined, botName: string): Message {
  const left = p.guilty.length ? `Still blamed: ${p.guilty.join(', ')}.` : 'Nobody is blamed now.';
  return {
    subject: clipName(`[bb] problem #${p.id}: ${user} says it is not theirs`, SUBJECT_MAX),
    text: `${user} says problem #${p.id} (${whatFails(p)}) is not theirs${reason ? `: "${clean(reason, 200)}"` : ''}. ${left} As sheriff, please see who broke it: "${botName}: problem ${p.id}".`,
  };
}
