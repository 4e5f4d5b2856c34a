import { cellOf, type BuildCell, type ConsoleModel } from './console-model.js';
import { headline } from '../problems/subject-text.js';
import type { WebContext, PageReply } from './context.js';
import { ok } from './context.js';
import { html, href, type Html } from './html.js';
import { compactGroup } from './console-compact.js';
import { badge, page, table } from './layout.js';
import { shortRev } from '../model/revision.js';

/** Above this many builders the grid is compact (src/web/console-compact.ts): 1,000 builders stay under 100 KB. */
export const GRID_MAX_BUILDERS = 60;
const COLUMNS = 8;

export interface BuilderRow {
  name: string;
  tier: 'supported' | 'unsupported';
  category: string;
}

/** Builders grouped by category, then tier, in config order within a group. */
export function groupBuilders(rows: BuilderRow[]): Array<{ label: string; rows: BuilderRow[] }> {
  const groups = new Map<string, BuilderRow[]>();
  for (const r of rows) {
    const label = `${r.category || 'uncategorised'} · ${r.tier}`;
    (groups.get(label) ?? groups.set(label, []).get(label)!).push(r);
  }
  return [...groups].map(([label, rows]) => ({ label, rows }));
}

const SHORT: Record<string, string> = { SUCCESS: 'ok', FAILURE: 'fail', WARNINGS: 'warn', EXCEPTION: 'exc', RETRY: 'retry', CANCELLED: 'cancel', SKIPPED: 'skip', running: 'run', dispatched: 'start' };

const word = (b: BuildCell) => b.result ?? b.state;

function cell(b: BuildCell | undefined): Html {
  if (!b) return html`<td></td>`;
  const w = word(b);
  return html`<td><a class="r-${w}" href="${href('builders', b.builder, 'builds', b.number)}" title="${b.builder} #${b.number} ${w}">#${b.number} ${SHORT[w] ?? w}</a></td>`;
}

async function latestOf(ctx: WebContext, builders: string[], k: number, model?: ConsoleModel): Promise<Map<string, BuildCell[]>> {
  if (model) return model.latest(builders, k);
  const raw = await ctx.store.builds.latestOf(builders, k);
  return new Map([...raw].map(([b, list]) => [b, list.map(cellOf)]));
}

/** What the console shows besides builds: tiers, open Problems, executors, the tree. */
export async function consoleInputs(ctx: WebContext) {
  const [tiers, problems, execs, tree] = await Promise.all([
    ctx.tierInfo ? ctx.tierInfo().then((t) => t.tiers as Map<string, string>) : new Map<string, string>(),
    ctx.store.problems.open(),
    ctx.store.getExecutors(ctx.config.executors.map((e) => e.name)),
    ctx.tiers?.tree(),
  ]);
  return { tiers, problems, execs, tree };
}
export type ConsoleInputs = Awaited<ReturnType<typeof consoleInputs>>;

/**
 * `/`: builders × latest revisions (compact above GRID_MAX_BUILDERS builders), tree, Problems,
 * executors. With `model` (the master's), the builds come from memory, not Redis; with `inputs`,
 * the rest comes from there (the master's shared read of it).
 */
export async function consolePage(ctx: WebContext, model?: ConsoleModel, inputs?: () => Promise<ConsoleInputs>): Promise<PageReply> {
  const { config } = ctx;
  const { tiers, problems, execs, tree } = await (inputs ? inputs() : consoleInputs(ctx));
  const rows: BuilderRow[] = config.builders.map((b) => ({ name: b.name, tier: (tiers.get(b.name) as BuilderRow['tier']) ?? b.tier, category: b.category ?? '' }));
  const compact = rows.length > GRID_MAX_BUILDERS;
  const latest = await latestOf(ctx, rows.map((r) => r.name), compact ? COLUMNS : COLUMNS * 2, model);
  const groups = groupBuilders(rows);
  // Columns: the newest revisions built by any builder, newest first.
  const revs = new Map<string, number>();
  for (const list of latest.values()) for (const b of list) {
    const r = b.revision ?? 'HEAD';
    revs.set(r, Math.max(revs.get(r) ?? 0, b.dispatchedAt));
  }
  const cols = [...revs].sort((a, b) => b[1] - a[1]).slice(0, COLUMNS).map(([r]) => r);
  const at = (list: BuildCell[], c: string) => list.find((b) => (b.revision ?? 'HEAD') === c);
  const head = html`<tr><th>builder</th>${cols.map((r) => html`<th><code>${shortRev(r === 'HEAD' ? undefined : r, 'HEAD')}</code></th>`)}</tr>`;
  const gridBody = compact
    ? groups.map((g) => compactGroup(g.label, g.rows.map((r) => r.name), cols.length, (name) => cols.map((c) => at(latest.get(name) ?? [], c))))
    : groups.map(
        (g) => html`<tr><th colspan="${cols.length + 1}">${g.label}</th></tr>${g.rows.map((r) => {
          const list = latest.get(r.name) ?? [];
          return html`<tr><td><a href="${href('builders', r.name)}">${r.name}</a></td>${cols.map((c) => cell(at(list, c)))}</tr>`;
        })}`,
      );
  const board = html`<table class="grid${compact ? ' compact' : ''}"><thead>${head}</thead><tbody>${gridBody}</tbody></table>`;
  const treeHtml = tree
    ? html`<p>Tree: ${tree.open ? badge('SUCCESS', 'open') : html`${badge('FAILURE', 'closed')} ${tree.reasons.join('; ')}`} · <a href="/tree">details</a></p>`
    : '';
  const probRows = problems.map(
    (p) =>
      html`<tr><td><a href="${href('problems', p.id)}">${p.id}</a></td><td>${p.state}</td><td>${headline(p)}</td><td>${p.builders.map((x) => x.builder).join(', ')}</td><td>${p.guilty.join(', ')}</td><td>${p.acks.length ? `acked by ${p.acks.map((a) => a.user).join(', ')}` : p.snoozedUntil && p.snoozedUntil > ctx.now() ? 'snoozed' : 'not acked'}</td></tr>`,
  );
  const execRows = config.executors.map((e) => {
    const rec = execs.find((x) => x.name === e.name);
    const st = rec?.state ?? 'never seen';
    return html`<tr><td>${e.name}</td><td>${badge(st === 'connected' ? 'SUCCESS' : st === 'stopping' ? 'WARNINGS' : 'FAILURE', st)}</td><td>${rec?.hostname ?? ''}</td><td>${rec?.reason ?? ''}</td></tr>`;
  });
  const body = html`<h1>${config.title}</h1>${treeHtml}
<h2>Builders</h2>${board}
<h2>Open Problems</h2>${table(['#', 'state', 'failing', 'builders', 'guilty', 'ack'], probRows)}
<h2>Executors</h2>${table(['executor', 'state', 'host', 'why'], execRows)}`;
  return ok(page({ title: 'console', site: config.title, live: '/events' }, body));
}
