import type { WebContext, PageReply } from './context.js';
import { ok } from './context.js';
import { html, href, outLink, type Html } from './html.js';
import { buildWord, page, resultBadge, table, timeTag } from './layout.js';
import { buildLink } from './build-parts.js';
import { notFoundPage } from './errors.js';

/** `/changes/<id>`: one Change (author shown without its full address). */
export async function changePage(ctx: WebContext, id: number): Promise<PageReply> {
  const c = await ctx.store.getChange(id);
  if (!c) return notFoundPage(ctx, `There is no change ${id}.`);
  const rows: Array<[string, Html | string | undefined]> = [
    ['author', c.author],
    ['committer', c.committer],
    ['revision', c.revision ? outLink(c.revlink, c.revision) : undefined],
    ['branch', c.branch],
    ['repository', c.repository],
    ['project', c.project],
    ['category', c.category],
    ['source', c.source],
  ];
  const files = c.files.slice(0, 1000);
  const body = html`<h1>Change ${c.id}</h1>
<table class="kv"><tbody>${rows.filter(([, v]) => v).map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}<tr><th>when</th><td>${timeTag(c.when)}</td></tr></tbody></table>
<h2>Message</h2><pre class="msg">${c.comments}</pre>
<h2>Files (${c.files.length})</h2>${files.length ? html`<ul class="mono">${files.map((f) => html`<li>${f}</li>`)}</ul>` : html`<p class="none">none listed</p>`}
${Object.keys(c.properties).length ? html`<h2>Properties</h2><pre class="msg">${JSON.stringify(c.properties, null, 2)}</pre>` : ''}
<p class="mute"><a href="${href('api', 'changes', c.id)}">JSON</a></p>`;
  return ok(page({ title: `change ${c.id}`, site: ctx.config.title }, body));
}

/** `/buildsets/<id>`: a BuildSet's source stamp, its requests and their builds. */
export async function buildsetPage(ctx: WebContext, id: number): Promise<PageReply> {
  const { store } = ctx;
  const bs = await store.getBuildSet(id);
  if (!bs) return notFoundPage(ctx, `There is no BuildSet ${id}.`);
  const reqs = await store.getRequests(bs.requestIds);
  const builds = await store.getBuilds(reqs.flatMap((r) => r.buildIds));
  const rows = reqs.map(
    (r) =>
      html`<tr><td>${r.id}</td><td><a href="${href('builders', r.builder)}">${r.builder}</a></td><td>${resultBadge(r.result ?? r.state)}</td><td>${builds.filter((b) => b.requestId === r.id).map((b) => html`${buildLink(b, `#${b.number}`)} ${resultBadge(buildWord(b))} `)}</td><td>${r.text ?? ''}${r.supersededBy !== undefined ? ` (request ${r.supersededBy} took its place)` : ''}</td></tr>`,
  );
  const ss = bs.sourcestamp;
  const body = html`<h1>BuildSet ${bs.id} ${resultBadge(bs.result ?? (bs.completeAt ? 'complete' : 'running'))}</h1>
<table class="kv"><tbody>
<tr><th>reason</th><td>${bs.reason}</td></tr><tr><th>scheduler</th><td>${bs.scheduler}</td></tr>
<tr><th>revision</th><td><code>${ss.revision ?? 'HEAD'}</code>${ss.branch ? html` on <code>${ss.branch}</code>` : ''}</td></tr>
<tr><th>repository</th><td>${ss.repository || ss.project}</td></tr>
<tr><th>changes</th><td>${ss.changeIds.map((c) => html`<a href="${href('changes', c)}">${c}</a> `)}</td></tr>
<tr><th>submitted</th><td>${timeTag(bs.submittedAt)}</td></tr>
${bs.upstreamBuildsetId !== undefined ? html`<tr><th>started by</th><td><a href="${href('buildsets', bs.upstreamBuildsetId)}">BuildSet ${bs.upstreamBuildsetId}</a></td></tr>` : ''}
${ss.patch ? html`<tr><th>patch</th><td><details><summary>try patch</summary><pre class="msg">${ss.patch.body.slice(0, 100_000)}</pre></details></td></tr>` : ''}
</tbody></table>
<h2>Requests</h2>${table(['request', 'builder', 'state', 'builds', 'note'], rows)}
<p class="mute"><a href="${href('api', 'buildsets', bs.id)}">JSON</a></p>`;
  return ok(page({ title: `buildset ${bs.id}`, site: ctx.config.title }, body));
}
