import type { Store } from '../data/store.js';
import type { MasterConfig } from '../config/schema.js';
import type { Problem } from '../model/problem.js';
import { problemTests } from '../problems/describe.js';
import { firstBadTests } from '../problems/index.js';
import { headline } from '../problems/subject-text.js';
import { dueAt, ladderFor, stepAt } from '../problems/ladder.js';
import { currentSheriff } from '../problems/sheriff-store.js';
import { html, href, type Html } from './html.js';
import { badge, timeTag } from './layout.js';

export interface NextReminder {
  /** Why none is coming, when none is. */
  none?: string;
  step?: string;
  at?: number;
  to?: string[];
  via?: string[];
  paused?: string;
}

/** The reminder the hassler will send next for a Problem, and to whom, as its ladder says. */
export async function nextReminder(store: Store, config: MasterConfig, p: Problem, now: number): Promise<NextReminder> {
  const h = config.problems.hassle;
  if (!h.enabled) return { none: 'hassling is off (problems.hassle.enabled: false)' };
  if (p.state === 'suspected') return { none: 'waits for a confirming rerun' };
  if (p.state !== 'confirmed') return { none: `${p.state}: nobody is reminded` };
  const s = await store.hassle.get(p.id);
  if (!s) return { none: 'the ladder has not started yet' };
  if (s.ended) return { none: 'the ladder has ended' };
  const levels = ladderFor(h, p.builders.map((b) => b.builder));
  const step = stepAt(levels, s.next, h);
  if (!step) return { none: 'every level and repeat has been sent' };
  const sheriff = await currentSheriff(store, config, now);
  const names = new Set<string>();
  const to = step.level.to;
  const notMe = new Set(p.notMe.map((n) => n.user));
  if (to.includes('guilty') || to.includes('responsible')) p.guilty.filter((g) => !notMe.has(g)).forEach((g) => names.add(g));
  if ((to.includes('sheriff') || to.includes('responsible')) && sheriff) names.add(sheriff);
  if (to.includes('owners') || to.includes('responsible')) p.responsible.forEach((r) => names.add(r));
  if (to.includes('interested')) [...p.interested, ...p.watchers].forEach((r) => names.add(r));
  const paused = p.snoozedUntil && p.snoozedUntil > now ? `snoozed by ${p.snoozedBy ?? '?'} until ${new Date(p.snoozedUntil).toISOString()}` : p.acks.length ? `acknowledged by ${p.acks.map((a) => a.user).join(', ')}` : undefined;
  return {
    step: step.key,
    at: dueAt(levels, step, s.base, s.lastRunAt, h.repeatEvery),
    to: [...names],
    via: [...step.level.via],
    ...(paused ? { paused } : {}),
  };
}

export function nextHtml(n: NextReminder): Html {
  if (n.none) return html`<span class="mute">${n.none}</span>`;
  return html`${n.paused ? html`${badge('SKIPPED', 'paused')} ${n.paused}; then ` : ''}${n.step} ${timeTag(n.at)} to ${n.to?.length ? n.to.join(', ') : 'nobody'} by ${n.via?.join(', ')}`;
}

export function ackHtml(p: Problem, now: number): Html {
  if (p.snoozedUntil && p.snoozedUntil > now) return html`${badge('SKIPPED', 'snoozed')} by ${p.snoozedBy ?? '?'} until ${timeTag(p.snoozedUntil)}`;
  if (p.acks.length) return html`${badge('WARNINGS', 'acked')} by ${p.acks.map((a) => a.user).join(', ')}`;
  return html`${badge('FAILURE', 'not acked')}`;
}

export function stateBadge(p: Problem): Html {
  const cls = p.state === 'resolved' ? 'SUCCESS' : p.state === 'flaky' ? 'WARNINGS' : p.state === 'suspected' ? 'running' : 'FAILURE';
  return badge(cls, p.state);
}

export function problemLink(p: Problem): Html {
  return html`<a href="${href('problems', p.id)}">Problem ${p.id}</a>`;
}

/** What fails, in one short line, as chat and mail say it: a few names, or a count and the biggest file. */
export function subjectsText(p: Problem): string {
  return headline(p);
}

/**
 * Every failing test of a Problem, grouped by file, named as chat and mail name them (the full
 * `suite.name` on hover); then the failing steps. Names of a Problem stored before they were kept
 * are qualified within its first bad build's tests, as the stored ones were.
 */
export async function testsHtml(store: Store, p: Problem): Promise<Html> {
  const list = problemTests(p, await firstBadTests(store, p));
  const groups = new Map<string, typeof list>();
  for (const t of list) (groups.get(t.group) ?? groups.set(t.group, []).get(t.group)!).push(t);
  const steps = p.subjects.filter((s) => s.kind === 'step');
  return html`${[...groups].map(
    ([group, tests]) =>
      html`<h3>${group} (${tests.length})</h3><ul class="tests">${tests.map((t) => html`<li><code title="${t.suite}.${t.name}${t.file ? ` (${t.file})` : ''}">${t.label}</code></li>`)}</ul>`,
  )}${steps.length ? html`<h3>steps (${steps.length})</h3><ul>${steps.map((s) => html`<li>${s.name}</li>`)}</ul>` : ''}`;
}

/** Builders of a Problem with links to their first bad build and the last good revision. */
export function buildersHtml(p: Problem): Html {
  return html`${p.builders.map(
    (b) =>
      html`<a href="${href('builders', b.builder, 'builds', b.firstBadNumber)}">${b.builder} #${b.firstBadNumber}</a>${b.fixedAt ? html` (fixed ${timeTag(b.fixedAt)})` : ''} `,
  )}`;
}
