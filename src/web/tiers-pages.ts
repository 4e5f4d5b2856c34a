import type { PageReply, WebContext } from './context.js';
import { ok } from './context.js';
import { html, href } from './html.js';
import { badge, page, table, timeTag } from './layout.js';
import { shortRev } from '../model/revision.js';
import { waitingLine } from '../tiers/model.js';

/** `<p>The package for r5001 is waiting for mac: …</p>`, or nothing. */
async function waitingHtml(ctx: WebContext) {
  const line = ctx.tiers ? waitingLine(await ctx.tiers.waiting(), shortRev) : undefined;
  return line ? html`<p class="waiting">${line}</p>` : '';
}

/** `/tiers`: supported and unsupported builders, demotions with reason and expiry, health. */
export async function tiersPage(ctx: WebContext): Promise<PageReply> {
  const pkg = ctx.config.packages?.builder;
  const list = ctx.tiers
    ? await ctx.tiers.list()
    : ctx.config.builders.map((b) => ({ builder: b.name, tier: b.tier, state: 'none' as const, override: undefined, since: undefined, sinceRevision: undefined, packages: b.name === pkg }));
  // The packages builder makes the packages and never gates them, whatever its configured tier (as chat and `bb tiers` say).
  const tier = (h: { tier: string; packages?: boolean }) => (h.packages ? html`${h.tier} — <span class="mute">the packages builder: never gates</span>` : h.tier);
  const rows = list.map(
    (h) =>
      html`<tr><td><a href="${href('builders', h.builder)}">${h.builder}</a></td><td>${tier(h)}</td><td>${badge(h.state === 'green' ? 'SUCCESS' : h.state === 'red' ? 'FAILURE' : 'pending', h.state)}${h.since ? html` since ${timeTag(h.since)}` : ''}${h.sinceRevision ? html` (<code>${shortRev(h.sinceRevision)}</code>)` : ''}</td><td>${
        h.override ? html`${h.override.tier === 'unsupported' ? 'demoted' : 'promoted'} by ${h.override.by}${h.override.reason ? `: ${h.override.reason}` : ''}${h.override.until ? html`, until ${timeTag(h.override.until)}` : ''}` : ''
      }</td></tr>`,
  );
  const body = html`<h1>Tiers</h1><p>Supported builders gate packages (the packages builder never does); a builder that stays red can be demoted (<code>bb: demote &lt;builder&gt; &lt;reason&gt;</code>).</p>
${await waitingHtml(ctx)}${table(['builder', 'tier', 'health', 'demotion / promotion'], rows)}`;
  return ok(page({ title: 'tiers', site: ctx.config.title, live: '/events' }, body));
}

/** `/packages`: packages made and the builds that vouched for them. */
export async function packagesPage(ctx: WebContext): Promise<PageReply> {
  const list = ctx.tiers ? await ctx.tiers.packages(50) : [];
  const voucher = (v: string) => {
    const m = /^(.*)#(\d+)$/.exec(v);
    return m ? html`<a href="${href('builders', m[1]!, 'builds', Number(m[2]))}">${v}</a> ` : html`${v} `;
  };
  const rows = list.map(
    (p) =>
      html`<tr><td><code>${shortRev(p.revision)}</code></td><td>${timeTag(p.at)}</td><td>${p.vouchers.map(voucher)}</td><td><a href="${href('buildsets', p.buildsetId)}">BuildSet ${p.buildsetId}</a></td><td>${p.build ? html`${badge(p.build.result, p.build.result)} #${p.build.number}` : 'running'}</td></tr>`,
  );
  const body = html`<h1>Packages</h1>${ctx.tiers ? '' : html`<p class="mute">No tiers service in this process.</p>`}${await waitingHtml(ctx)}${table(['revision', 'started', 'vouched for by', 'buildset', 'package build'], rows)}`;
  return ok(page({ title: 'packages', site: ctx.config.title, live: '/events' }, body));
}

/** `/tree`: open or closed, why, and who can open it. */
export async function treePage(ctx: WebContext): Promise<PageReply> {
  const t = ctx.tiers ? await ctx.tiers.tree() : undefined;
  const body = t
    ? html`<h1>Tree ${t.open ? badge('SUCCESS', 'open') : badge('FAILURE', 'closed')}</h1>
${t.reasons.length ? html`<h2>Why</h2><ul>${t.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : html`<p>Every supported builder is green and no admin closed it.</p>`}
${t.responsible.length ? html`<h2>Who can open it</h2><p>${t.responsible.join(', ')}</p>` : ''}`
    : html`<h1>Tree</h1><p class="mute">No tiers service in this process.</p>`;
  return ok(page({ title: 'tree', site: ctx.config.title, live: '/events' }, body));
}
