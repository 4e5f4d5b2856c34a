import type { Build, StepState, TestCaseResult } from '../model/build.js';
import { previousCounted } from '../notify/finished.js';
import { newFailingTests, sameSource, speaksForHistory } from '../problems/compare.js';
import type { WebContext, PageReply } from './context.js';
import { ok } from './context.js';
import { html, href, type Html } from './html.js';
import { buildWord, fmtDuration, page, resultBadge } from './layout.js';
import { countLines, logBlock, logWindow } from './log-view.js';
import { buildLink, changesSection, propertiesSection, relationsSection, revisionOf, summaryTable, testsSection } from './build-parts.js';
import { notFoundPage } from './errors.js';

/** Lines of each step's log shown on the build page; the step's own page pages through the rest. */
export const STEP_LINES = 1000;

export function buildPath(b: Pick<Build, 'builder' | 'number'>): string {
  return href('builders', b.builder, 'builds', b.number);
}

export function stepLogPath(b: Pick<Build, 'builder' | 'number'>, step: number, txt = false): string {
  return `${buildPath(b)}/steps/${step}/${txt ? 'log.txt' : 'log'}`;
}

function stepDuration(s: StepState, now: number): string {
  if (s.startedAt === undefined) return '';
  return fmtDuration((s.finishedAt ?? now) - s.startedAt);
}

function stepWord(s: StepState): string {
  return s.result ?? (s.state === 'done' ? 'SUCCESS' : s.state);
}

async function stepLog(ctx: WebContext, b: Build, i: number, s: StepState): Promise<Html> {
  let w = await logWindow(ctx.store, b.id, i, 1, STEP_LINES);
  const live = b.state !== 'finished';
  const failed = s.result !== undefined && s.result !== 'SUCCESS' && s.result !== 'SKIPPED';
  // A failed step's long log: its end is where the failure is, so the page shows the last lines.
  let tail = false;
  if (failed && w.more && !live) {
    const total = await countLines(ctx.store, b.id, i);
    w = await logWindow(ctx.store, b.id, i, Math.max(1, total - STEP_LINES + 1), STEP_LINES);
    tail = true;
  }
  const open = failed || s.state === 'running' || (live && s.state === 'pending' && b.currentStep === undefined);
  const block = logBlock(w, { prefix: `s${i}`, ...(live ? { live: { step: i } } : {}) });
  return html`<details id="log-${i}"${open ? ' open' : ''}><summary>${s.name}: ${w.lines.length ? `${tail ? `last ${w.lines.length}` : w.more ? `first ${w.lines.length}` : w.lines.length} lines` : 'no output'}
 · <a href="${stepLogPath(b, i)}">full log</a> · <a href="${stepLogPath(b, i, true)}">log.txt</a></summary>${block}</details>`;
}

/** `/builders/<builder>/builds/<n>`: everything about one build, live while it runs. */
export async function buildPage(ctx: WebContext, builder: string, number: number): Promise<PageReply> {
  const { store } = ctx;
  const b = await store.buildByNumber(builder, number);
  if (!b) return notFoundPage(ctx, `${builder} has no build #${number}.`);
  const now = ctx.now();
  const [req, bs, changes, tests, open, recent] = await Promise.all([
    store.getRequest(b.requestId),
    store.getBuildSet(b.buildsetId),
    store.getChanges(b.sourcestamp.changeIds),
    store.getTests(b.id),
    store.problems.open(),
    store.problems.recent(50),
  ]);
  const tries = req ? await store.getBuilds(req.buildIds) : [];
  const succ = req?.supersededBy !== undefined ? await store.getRequest(req.supersededBy) : null;
  const supersededBy = succ ? await store.getBuilds(succ.buildIds) : [];
  const seen = new Set<number>();
  const problems = [...open, ...recent].filter((p) => {
    if (seen.has(p.id)) return false;
    seen.add(p.id);
    return p.builders.some((x) => x.firstBadBuildId === b.id || x.fixedByBuildId === b.id) || (p.confirmBuildsetId !== undefined && p.confirmBuildsetId === b.buildsetId);
  });
  const logs = await Promise.all(b.steps.map((s, i) => stepLog(ctx, b, i, s)));
  const fresh = await newFailingOf(store, b, tests);
  const steps = b.steps.map(
    (s, i) => html`<tr id="step-${i}"><td>${i}</td><td><a href="#log-${i}">${s.name}</a></td><td>${resultBadge(stepWord(s))}</td><td class="stext">${s.text ?? ''}</td><td>${stepDuration(s, now)}</td></tr>`,
  );
  const word = buildWord(b);
  const body = html`<h1>${html`<a href="${href('builders', b.builder)}">${b.builder}</a>`} #${b.number} ${resultBadge(word)}</h1>
${summaryTable(b, bs?.reason, now)}
${b.tests?.failed ? html`<p><a href="#tests">${b.tests.failed} failed test${b.tests.failed === 1 ? '' : 's'}</a></p>` : ''}
<h2>Steps</h2><table><thead><tr><th>#</th><th>step</th><th>result</th><th>text</th><th>time</th></tr></thead><tbody>${steps}</tbody></table>
${testsSection(tests, fresh)}
<h2>Logs</h2>${logs}
${relationsSection(b, req, tries, problems, supersededBy)}
${changesSection(changes)}
${propertiesSection(b.properties)}
<p class="mute">Revision ${revisionOf(b) ?? 'HEAD'} · <a href="${href('api', 'builders', b.builder, 'builds', b.number)}">JSON</a> · ${buildLink(b, 'permalink')}</p>`;
  const live = b.state !== 'finished' ? `${buildPath(b)}/events` : undefined;
  return ok(page({ title: `${b.builder} #${b.number} ${word}`, site: ctx.config.title, ...(live ? { live } : {}) }, body));
}

/** Tests failing here that the builder's previous build of the same source did not run (as announced). */
async function newFailingOf(store: WebContext['store'], b: Build, tests: TestCaseResult[]): Promise<TestCaseResult[]> {
  if (!b.tests?.failed || b.state !== 'finished' || !speaksForHistory(b)) return [];
  const prev = await previousCounted(store, b);
  return prev && sameSource(prev, b) ? newFailingTests(await store.getTests(prev.id), tests) : [];
}
