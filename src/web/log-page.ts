import type { WebContext, PageReply } from './context.js';
import { ok } from './context.js';
import { html, href } from './html.js';
import { page, resultBadge } from './layout.js';
import { countLines, logBlock, logWindow } from './log-view.js';
import { buildPath, stepLogPath } from './build-page.js';
import { notFoundPage } from './errors.js';

/** Lines per screen of a step's own log page. */
export const PAGE_LINES = 2000;

/** The step's index from its number or its name. */
export function stepIndex(steps: Array<{ name: string }>, key: string): number | undefined {
  if (/^\d+$/.test(key) && Number(key) < steps.length) return Number(key);
  const i = steps.findIndex((s) => s.name === key);
  return i >= 0 ? i : undefined;
}

/** `/builders/<b>/builds/<n>/steps/<step>/log[?start=N][&q=text]`: one step's log, a screen at a time, searchable, live at its end. */
export async function logPage(ctx: WebContext, builder: string, number: number, stepKey: string, query: URLSearchParams): Promise<PageReply> {
  const b = await ctx.store.buildByNumber(builder, number);
  if (!b) return notFoundPage(ctx, `${builder} has no build #${number}.`);
  const step = stepIndex(b.steps, stepKey);
  if (step === undefined) return notFoundPage(ctx, `${builder} #${number} has no step ${stepKey}.`);
  const s = b.steps[step]!;
  // `start=last`: the last screen (counting the lines first, a page of chunks at a time).
  const start = query.get('start') === 'last' ? Math.max(1, (await countLines(ctx.store, b.id, step)) - PAGE_LINES + 1) : Math.max(1, Number.parseInt(query.get('start') ?? '1', 10) || 1);
  const q = (query.get('q') ?? '').slice(0, 200);
  const w = await logWindow(ctx.store, b.id, step, start, PAGE_LINES, q || undefined);
  const live = b.state !== 'finished' && !q && !w.more;
  const base = stepLogPath(b, step);
  const nav = html`<p>${start > 1 ? html`<a href="${base}?start=${Math.max(1, start - PAGE_LINES)}">previous ${PAGE_LINES} lines</a> · ` : ''}${
    w.more && !q ? html`<a href="${base}?start=${start + PAGE_LINES}">next ${PAGE_LINES} lines</a> · <a href="${base}?start=last">last lines</a> · ` : ''
  }<a href="${stepLogPath(b, step, true)}">log.txt</a> (whole log as text)</p>`;
  const body = html`<h1><a href="${buildPath(b)}">${b.builder} #${b.number}</a> step ${s.name} ${resultBadge(s.result ?? s.state)}</h1>
<form class="search" method="get" action="${base}"><label>Search this log <input name="q" value="${q}" maxlength="200"></label> <button>find</button>${q ? html` <a href="${base}">clear</a>` : ''}</form>
${q ? html`<p>${w.lines.length}${w.more ? '+' : ''} ${w.lines.length === 1 && !w.more ? 'line' : 'lines'} containing “${q}”.</p>` : ''}
${nav}
${w.lines.length ? logBlock(w, live ? { live: { step } } : {}) : html`<p class="none">${q ? 'No line matches.' : start > 1 ? 'No lines here.' : 'No output yet.'}</p>${live ? logBlock(w, { live: { step } }) : ''}`}
${w.lines.length > 40 ? nav : ''}
<p class="mute"><a href="${href('api', 'builders', b.builder, 'builds', b.number, 'steps', step, 'log')}">JSON</a></p>`;
  const liveUrl = live ? `${buildPath(b)}/events` : undefined;
  return ok(page({ title: `${b.builder} #${b.number} ${s.name} log`, site: ctx.config.title, ...(liveUrl ? { live: liveUrl } : {}) }, body));
}
