import { testedRevision, type Build, type BuildRequest, type TestCaseResult } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { Problem } from '../model/problem.js';
import { headline } from '../problems/subject-text.js';
import { html, href, type Html } from './html.js';
import { buildDuration, buildWord, fmtDuration, resultBadge, table, timeTag } from './layout.js';
import { shortRev } from '../model/revision.js';

/** Link to one build. */
export function buildLink(b: Pick<Build, 'builder' | 'number'>, label?: string): Html {
  return html`<a href="${href('builders', b.builder, 'builds', b.number)}">${label ?? `${b.builder} #${b.number}`}</a>`;
}

/** The revision a build tested. */
export const revisionOf = testedRevision;

/** Test results, failed (and errored) first with their messages and output, then skipped, then passed, then counts. */
export function testsSection(tests: TestCaseResult[], fresh: TestCaseResult[] = []): Html {
  if (!tests.length) return html``;
  const order = { fail: 0, error: 1, skip: 2, pass: 3 } as const;
  const sorted = [...tests].sort((a, b) => order[a.outcome] - order[b.outcome]);
  const failed = sorted.filter((t) => t.outcome === 'fail' || t.outcome === 'error');
  const count = (o: string) => tests.filter((t) => t.outcome === o).length;
  const isNew = new Set(fresh);
  const row = (t: TestCaseResult) =>
    html`<tr class="t-${t.outcome}"><td>${resultBadge(t.outcome === 'pass' ? 'SUCCESS' : t.outcome === 'skip' ? 'SKIPPED' : 'FAILURE')} ${t.outcome}${isNew.has(t) ? html` <span class="new" title="not run by the builder's previous build: a new failing test, not a regression">new</span>` : ''}</td><td>${t.suite}</td><td>${t.name}</td><td>${fmtDuration(t.durationMs)}</td><td>${t.message ? html`<pre class="msg">${t.message}</pre>` : ''}${t.output ? html`<details class="out"><summary>output</summary><pre class="msg">${t.output}</pre></details>` : ''}</td></tr>`;
  const rest = sorted.filter((t) => t.outcome !== 'fail' && t.outcome !== 'error');
  const shown = rest.slice(0, 2000);
  return html`<h2 id="tests">Tests</h2>
<p>${tests.length} tests: ${count('fail') + count('error')} failed, ${count('skip')} skipped, ${count('pass')} passed.</p>
${fresh.length ? html`<p class="new-tests">New failing tests (the previous build did not run them; not a regression, no Problem): ${fresh.map((t) => t.name).join(', ')}</p>` : ''}
${failed.length ? table(['outcome', 'suite', 'test', 'time', 'message'], failed.map(row), 'tests failed') : html`<p>No test failed.</p>`}
${rest.length ? html`<details><summary>${rest.length} other tests${rest.length > shown.length ? ` (first ${shown.length} shown)` : ''}</summary>${table(['outcome', 'suite', 'test', 'time', 'message'], shown.map(row))}</details>` : ''}`;
}

export function changesSection(changes: Change[]): Html {
  if (!changes.length) return html`<h2>Changes</h2><p class="none">No changes (a forced or timed build of the branch tip).</p>`;
  return html`<h2>Changes</h2>${changes.map(
    (c) => html`<div class="change"><a href="${href('changes', c.id)}">change ${c.id}</a> <code>${shortRev(c.revision, 'HEAD')}</code> by ${c.author} ${c.branch ? html`on <code>${c.branch}</code>` : ''} ${timeTag(c.when)}
<pre class="msg">${c.comments ?? ''}</pre></div>`,
  )}`;
}

export function propertiesSection(props: Record<string, unknown>): Html {
  const keys = Object.keys(props).sort();
  return html`<h2>Properties</h2>${table(
    ['name', 'value'],
    keys.map((k) => html`<tr><td><code>${k}</code></td><td><code>${JSON.stringify(props[k])}</code></td></tr>`),
    'kv',
  )}`;
}

/** Links to what surrounds a build: Problems it opened, fixed or confirmed (and the confirming rerun), its request's other attempts, what superseded it. */
export function relationsSection(b: Build, req: BuildRequest | null, tries: Build[], problems: Problem[], supersededBy: Build[]): Html {
  const items: Html[] = [];
  for (const p of problems) {
    const role = p.builders.some((x) => x.firstBadBuildId === b.id) ? 'first failed here' : p.builders.some((x) => x.fixedByBuildId === b.id) ? 'fixed here' : 'rerun';
    const rerun = role !== 'rerun' && p.confirmBuildsetId !== undefined ? html`; its confirming rerun: <a href="${href('buildsets', p.confirmBuildsetId)}">BuildSet ${p.confirmBuildsetId}</a>` : '';
    items.push(html`<li><a href="${href('problems', p.id)}">Problem ${p.id}</a> (${p.state}, ${role}): ${headline(p)}${rerun}</li>`);
  }
  const others = tries.filter((t) => t.id !== b.id);
  if (others.length) items.push(html`<li>Other attempts of request ${req?.id}: ${others.map((t) => html`${buildLink(t)} ${resultBadge(buildWord(t))} `)}</li>`);
  if (b.collapsedRequestIds?.length) items.push(html`<li>Older requests collapsed into this build: ${b.collapsedRequestIds.join(', ')}</li>`);
  if (req?.supersededBy !== undefined)
    items.push(html`<li>Superseded by request ${req.supersededBy}${supersededBy.length ? html`: ${supersededBy.map((s) => buildLink(s))}` : ''}${req.text ? ` (${req.text})` : ''}</li>`);
  if (b.sourcestamp.changeIds.length) items.push(html`<li><a href="${href('buildsets', b.buildsetId)}">BuildSet ${b.buildsetId}</a> (every builder of this source stamp)</li>`);
  else items.push(html`<li><a href="${href('buildsets', b.buildsetId)}">BuildSet ${b.buildsetId}</a></li>`);
  return html`<h2>Related</h2><ul>${items}</ul>`;
}

export function summaryTable(b: Build, reason: string | undefined, now: number): Html {
  const rows: Array<[string, Html | string]> = [
    ['result', html`${resultBadge(buildWord(b))}${b.text ? ` ${b.text}` : ''}`],
    ['revision', html`<code>${revisionOf(b) ?? 'HEAD'}</code>${b.sourcestamp.branch ? html` on <code>${b.sourcestamp.branch}</code>` : ''}`],
    ['repository', b.sourcestamp.repository || b.sourcestamp.project || ''],
    ['blamelist', b.blamelist.join(', ')],
    ['reason', reason ?? ''],
    ['executor', b.executor],
    ['started', timeTag(b.startedAt ?? b.dispatchedAt)],
    ['duration', buildDuration(b, now)],
  ];
  if (b.sourcestamp.patch) rows.push(['patch', 'yes (a try build)']);
  return html`<table class="kv"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}
