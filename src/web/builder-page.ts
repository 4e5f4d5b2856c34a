import type { WebContext, PageReply } from './context.js';
import { ok } from './context.js';
import { html, href } from './html.js';
import { badge, buildDuration, buildWord, page, resultBadge, table, timeTag } from './layout.js';
import { buildLink, revisionOf } from './build-parts.js';
import { notFoundPage } from './errors.js';
import { shortRev } from '../model/revision.js';

const PER_PAGE = 50;

/** `/builders/<builder>[?page=N]`: recent builds, pending requests, executors, tier. */
export async function builderPage(ctx: WebContext, name: string, query: URLSearchParams): Promise<PageReply> {
  const { store, config } = ctx;
  const conf = config.builders.find((b) => b.name === name);
  if (!conf) return notFoundPage(ctx, `No builder is called ${name}.`);
  const pageNo = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const [{ builds, total }, pendingIds, execs, health] = await Promise.all([
    store.builds.page(name, (pageNo - 1) * PER_PAGE, PER_PAGE),
    store.pendingOf(name, 100),
    store.getExecutors(conf.executors),
    ctx.tierInfo ? ctx.tierInfo().then((t) => ({ tier: t.tiers.get(name), override: t.live.get(name) })) : Promise.resolve(undefined),
  ]);
  const pending = await store.getRequests(pendingIds);
  const sets = new Map((await store.getBuildSets([...new Set([...builds.map((b) => b.buildsetId), ...pending.map((r) => r.buildsetId)])])).map((s) => [s.id, s]));
  const now = ctx.now();
  const rows = builds.map(
    (b) =>
      html`<tr><td>${buildLink(b, `#${b.number}`)}</td><td>${resultBadge(buildWord(b))}</td><td><code>${shortRev(revisionOf(b), 'HEAD')}</code></td><td>${b.blamelist.join(', ')}</td><td>${buildDuration(b, now)}</td><td>${sets.get(b.buildsetId)?.reason ?? ''}</td><td>${timeTag(b.dispatchedAt)}</td></tr>`,
  );
  const pendRows = pending.map(
    (r) =>
      html`<tr><td>${r.id}</td><td><a href="${href('buildsets', r.buildsetId)}">${r.buildsetId}</a></td><td>${sets.get(r.buildsetId)?.reason ?? ''}</td><td>${r.priority}</td><td>${timeTag(r.submittedAt)}</td></tr>`,
  );
  const execRows = conf.executors.map((e) => {
    const rec = execs.find((x) => x.name === e);
    const st = rec?.state ?? 'never seen';
    return html`<tr><td>${e}</td><td>${badge(st === 'connected' ? 'SUCCESS' : 'FAILURE', st)}</td><td>${rec?.hostname ?? ''}</td></tr>`;
  });
  const tier = health?.tier ?? conf.tier;
  const ov = health?.override;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const body = html`<h1>${name}</h1>
<p>Tier: <b>${tier}</b>${ov ? html` (${ov.tier === 'unsupported' ? 'demoted' : 'promoted'} by ${ov.by}${ov.reason ? `: ${ov.reason}` : ''}${ov.until ? html`, until ${timeTag(ov.until)}` : ''})` : ''}${conf.category ? html` · category ${conf.category}` : ''}${conf.description ? html` · ${conf.description}` : ''}</p>
<h2>Pending requests (${pending.length})</h2>${table(['request', 'buildset', 'reason', 'priority', 'submitted'], pendRows)}
<h2>Builds (${total})</h2>${table(['build', 'result', 'revision', 'blamelist', 'duration', 'reason', 'started'], rows)}
${pages > 1 ? html`<p>Page ${pageNo} of ${pages}${pageNo > 1 ? html` · <a href="${href('builders', name)}?page=${pageNo - 1}">newer</a>` : ''}${pageNo < pages ? html` · <a href="${href('builders', name)}?page=${pageNo + 1}">older</a>` : ''}</p>` : ''}
<h2>Executors</h2>${table(['executor', 'state', 'host'], execRows)}
<p class="mute"><a href="${href('api', 'builders', name, 'builds')}">JSON</a></p>`;
  return ok(page({ title: name, site: config.title, live: '/events' }, body));
}
