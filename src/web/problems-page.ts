import type { Problem } from '../model/problem.js';
import type { HassleEntry } from '../model/hassle.js';
import { shortRev } from '../model/revision.js';
import type { PageReply, WebContext } from './context.js';
import { ok } from './context.js';
import { html, href, type Html } from './html.js';
import { page, table, timeTag } from './layout.js';
import { notFoundPage } from './errors.js';
import { ackHtml, buildersHtml, nextHtml, nextReminder, problemLink, stateBadge, subjectsText, testsHtml } from './problem-parts.js';

/** A Problem's reminder log on the board: its last three entries, newest first, and a link to the whole log. */
function logHtml(p: Problem, log: HassleEntry[]): Html {
  if (!log.length) return html`<span class="mute">none yet</span>`;
  const last = log.slice(-3).reverse();
  return html`${last.map((e) => html`${e.step} ${timeTag(e.at)} to ${e.to} by ${e.via}: ${e.outcome}<br>`)}<a href="${href('problems', p.id)}#log">${log.length === 1 ? '1 entry' : `all ${log.length}`}</a>`;
}

function blameRange(p: Problem): Html {
  return html`<code>${shortRev(p.lastGoodRevision, '?')}</code>..<code>${shortRev(p.firstBadRevision)}</code>`;
}

/** `/problems`: open Problems grouped by what fails, with blame, ack state, the next reminder and the reminder log's latest entries; flaky tests; recently resolved. */
export async function problemsPage(ctx: WebContext): Promise<PageReply> {
  const { store, config } = ctx;
  const now = ctx.now();
  const [open, recent] = await Promise.all([store.problems.open(), store.problems.recent(100)]);
  const groups = new Map<string, Problem[]>();
  for (const p of open) (groups.get(subjectsText(p)) ?? groups.set(subjectsText(p), []).get(subjectsText(p))!).push(p);
  const nexts = new Map(await Promise.all(open.map(async (p) => [p.id, await nextReminder(store, config, p, now)] as const)));
  const logs = new Map(await Promise.all(open.map(async (p) => [p.id, await store.hassle.log(p.id)] as const)));
  const interested = (p: Problem) => [...p.interested, ...p.watchers];
  const rows = [...groups].flatMap(([subject, list]) =>
    list.map(
      (p, i) =>
        html`<tr>${i === 0 ? html`<td rowspan="${list.length}"><b>${subject}</b></td>` : ''}<td>${problemLink(p)} ${stateBadge(p)}</td><td>${buildersHtml(p)}</td><td>${timeTag(p.openedAt)}</td><td>${blameRange(p)}</td><td>${p.guilty.join(', ') || html`<span class="mute">unknown</span>`}${p.responsible.length ? html`<br><span class="mute">responsible:</span> ${p.responsible.join(', ')}` : ''}${interested(p).length ? html`<br><span class="mute">interested:</span> ${interested(p).join(', ')}` : ''}</td><td>${ackHtml(p, now)}</td><td>${nextHtml(nexts.get(p.id)!)}</td><td class="rlog">${logHtml(p, logs.get(p.id)!)}</td></tr>`,
    ),
  );
  const flaky = recent.filter((p) => p.state === 'flaky');
  const resolved = recent.filter((p) => p.state === 'resolved').slice(0, 30);
  const small = (list: Problem[], when: (p: Problem) => number | undefined) =>
    table(['problem', 'failing', 'builders', 'when'], list.map((p) => html`<tr><td>${problemLink(p)}</td><td>${subjectsText(p)}</td><td>${buildersHtml(p)}</td><td>${timeTag(when(p))}</td></tr>`));
  const body = html`<h1>Problems</h1>
<h2>Open (${open.length})</h2>${table(['failing', 'problem', 'builders', 'since', 'last good..first bad', 'guilty / responsible / interested', 'ack', 'next reminder', 'reminder log'], rows)}
<h2>Flaky</h2>${small(flaky, (p) => p.flakyAt)}
<h2>Recently resolved</h2>${small(resolved, (p) => p.resolvedAt)}
<p class="mute"><a href="/api/problems">JSON</a></p>`;
  return ok(page({ title: 'problems', site: config.title, live: '/events' }, body));
}

/** `/problems/<n>`: one Problem, its blame, ack/snooze state, next reminder and the reminder log. */
export async function problemPage(ctx: WebContext, id: number): Promise<PageReply> {
  const { store, config } = ctx;
  const p = await store.problems.get(id);
  if (!p) return notFoundPage(ctx, `There is no Problem ${id}.`);
  const now = ctx.now();
  const [next, log, tests] = await Promise.all([nextReminder(store, config, p, now), store.hassle.log(id), testsHtml(store, p)]);
  const kv: Array<[string, Html | string]> = [
    ['state', stateBadge(p)],
    ['failing', subjectsText(p)],
    ['builders', buildersHtml(p)],
    ['opened', timeTag(p.openedAt)],
    ['last good..first bad', blameRange(p)],
    ['guilty', p.guilty.join(', ')],
    ['how blamed', p.blameNote ?? ''],
    ['responsible', p.responsible.join(', ')],
    ['interested', [...p.interested, ...p.watchers].join(', ')],
    ['ack', ackHtml(p, now)],
    ['not me', p.notMe.map((n) => `${n.user}${n.note ? ` (${n.note})` : ''}`).join(', ')],
    ['next reminder', nextHtml(next)],
  ];
  if (p.confirmBuildsetId !== undefined) kv.push(['confirming rerun', html`<a href="${href('buildsets', p.confirmBuildsetId)}">BuildSet ${p.confirmBuildsetId}</a>`]);
  if (p.resolvedAt) kv.push(['resolved', timeTag(p.resolvedAt)]);
  const logRows = log.map((e) => html`<tr><td>${timeTag(e.at)}</td><td>${e.step}</td><td>${e.to}</td><td>${e.via}</td><td>${e.outcome}</td><td>${e.note ?? ''}</td></tr>`);
  const body = html`<h1>Problem ${p.id} ${stateBadge(p)}</h1>
<table class="kv"><tbody>${kv.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>
<h2 id="tests">What fails (${p.subjects.length})</h2>${tests}
<h2 id="log">Reminder log</h2>${table(['when', 'step', 'to', 'via', 'outcome', 'note'], logRows)}
<p class="mute">Acknowledge, snooze or say “not me” in chat: <code>bb: ack ${p.id}</code>, <code>bb: snooze ${p.id} 2h</code>, <code>bb: not me ${p.id}</code>. · <a href="${href('api', 'problems', p.id)}">JSON</a></p>`;
  return ok(page({ title: `problem ${p.id}`, site: config.title, live: '/events' }, body));
}
