import { echo } from '../src/util/safe-text.js';
import type { BotApi } from '../src/chat/api.js';
import { CommandError, UsageError } from '../src/chat/command.js';
import type { ChatMessage } from '../src/chat/transport.js';
import { subjectLabel, type Problem } from '../src/model/problem.js';
import type { HassleEntry } from '../src/model/hassle.js';
import { maskEmail } from '../src/users/email.js';
import { shortRev } from '../src/model/revision.js';

/** Shared wording and argument checks of the Problem commands (not a command itself). */

export function short(rev: string | undefined): string {
  return shortRev(rev);
}

function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 5400) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

export function tests(p: Problem, max = 3): string {
  const names = p.subjects.map(subjectLabel);
  return names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', ');
}

export function oneLine(p: Problem): string {
  const guilty = p.guilty.length ? `; guilty ${p.guilty.join(', ')}` : '';
  return `#${p.id} [${p.state}] ${tests(p)} on ${p.builders.map((b) => b.builder).join(', ')} since ${short(p.firstBadRevision)} (${ago(p.openedAt)})${guilty}`;
}

export function details(p: Problem): string[] {
  const lines = [
    `Problem ${p.id} [${p.state}]: ${tests(p, 10)}`,
    `builders: ${p.builders.map((b) => `${b.builder} (first bad #${b.firstBadNumber}${b.fixedAt ? ', fixed' : ''})`).join(', ')}`,
    `since ${new Date(p.openedAt).toISOString()} (${ago(p.openedAt)}); revisions ${short(p.lastGoodRevision)}..${short(p.firstBadRevision)} (last good..first bad)`,
    `guilty: ${p.guilty.join(', ') || 'nobody found'}${p.blameNote ? ` (${p.blameNote})` : ''}; responsible: ${p.responsible.join(', ') || 'nobody'}`,
  ];
  if (p.interested.length) lines.push(`interested: ${p.interested.join(', ')}`);
  if (p.acks.length) lines.push(`acked by ${p.acks.map((a) => `${a.user} ${ago(a.at)}${a.note ? ` ("${a.note}")` : ''}`).join(', ')}`);
  if (p.notMe.length) lines.push(`not me: ${p.notMe.map((a) => `${a.user}${a.note ? ` ("${a.note}")` : ''}`).join(', ')}`);
  if (p.snoozedUntil && p.snoozedUntil > Date.now()) lines.push(`snoozed until ${new Date(p.snoozedUntil).toISOString()}`);
  if (p.resolvedAt) lines.push(`resolved ${ago(p.resolvedAt)}`);
  return lines;
}

/** The hassle history, newest last: `L2 12m ago: email to warner (w***@example.org) sent`. At most `max` lines, the newest. */
export function historyLines(entries: HassleEntry[], max = 8, now = Date.now()): string[] {
  if (!entries.length) return ['reminders: none sent'];
  const shown = entries.slice(-max).map((e) => {
    const where = e.via === 'none' ? '' : e.via === 'channel' ? ` in ${e.to}` : ` by ${e.via} to ${e.to}`;
    const note = e.note ? ` (${e.note.replace(/[^\s:<>]+@([^\s:<>]+)/g, (m) => maskEmail(m))})` : '';
    return `${e.step} ${ago(e.at, now)}: ${e.outcome}${where}${note}`;
  });
  return [`reminders (${entries.length}${entries.length > max ? `, last ${max} shown` : ''}):`, ...shown];
}

export function problemId(arg: string | undefined): number {
  const n = Number((arg ?? '').replace(/^#/, ''));
  if (!arg || !Number.isInteger(n) || n <= 0) throw new UsageError(`"${echo(arg ?? '')}" is not a problem number.`);
  return n;
}

/** The speaker's verified bb user, or null. */
export async function verifiedUser(api: BotApi, message: ChatMessage): Promise<string | null> {
  const me = await api.identity.whoami(message);
  return me.claim?.verified ? me.claim.user : null;
}

/** Who did it, for the record: the verified user, else the chat identity. */
export async function actor(api: BotApi, message: ChatMessage): Promise<string> {
  return (await verifiedUser(api, message)) ?? `${message.transport}:${message.account ?? message.sender}`;
}

export async function mustGet(api: BotApi, id: number): Promise<Problem> {
  const p = await api.problems.get(id);
  if (!p) throw new CommandError(`There is no problem ${id}.`);
  return p;
}
