import type { Build } from '../model/build.js';
import type { PageReply, WebContext } from './context.js';
import { maskEmails } from './html.js';
import { logWindow } from './log-view.js';
import { stepIndex } from './log-page.js';
import { nextReminder } from './problem-parts.js';
import { builderStatuses, type BuilderStatus } from '../status/status.js';
import { masterStatus } from '../status/master.js';
import { firstBadTests } from '../problems/index.js';
import { wasPruned } from '../data/retention.js';
import { problemTests } from '../problems/describe.js';
import { headline } from '../problems/subject-text.js';

/** Most items one API page returns. */
export const API_MAX = 200;

const int = (s: string | undefined) => (s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined);

function json(status: number, data: unknown): PageReply {
  // Emails are shortened here as on the pages: the API is on the web too.
  return { status, type: 'json', body: maskEmails(JSON.stringify(data)) };
}

const missing = (what: string) => json(404, { error: `${what} not found` });

/** A build as the API shows it: without the attempt's token. */
function pub(b: Build): Omit<Build, 'token'> {
  const { token: _token, ...rest } = b;
  return rest;
}

function paging(q: URLSearchParams): { offset: number; limit: number } {
  const offset = Math.max(0, Number.parseInt(q.get('offset') ?? '0', 10) || 0);
  const limit = Math.min(API_MAX, Math.max(1, Number.parseInt(q.get('limit') ?? '50', 10) || 50));
  return { offset, limit };
}

/** `/api/...`: the pages' data as JSON (shapes in README, "Web pages"). */
export async function apiRoute(ctx: WebContext, segs: string[], q: URLSearchParams): Promise<PageReply> {
  const { store, config } = ctx;
  const [a, b, c, d, e, f, g] = segs;
  if (a === 'builders' && segs.length === 1) {
    const names = config.builders.map((x) => x.name);
    const latest = await store.builds.latestOf(names, 1);
    return json(200, {
      builders: config.builders.map((x) => {
        const last = latest.get(x.name)?.[0];
        return { name: x.name, tier: x.tier, category: x.category ?? null, executors: x.executors, last: last ? { number: last.number, state: last.state, result: last.result ?? null } : null };
      }),
    });
  }
  if (a === 'builders' && b !== undefined && c === 'builds') {
    if (!config.builders.some((x) => x.name === b)) return missing(`builder ${b}`);
    if (segs.length === 3) {
      const { offset, limit } = paging(q);
      const { builds, total } = await store.builds.page(b, offset, limit);
      return json(200, { total, offset, limit, builds: builds.map(pub) });
    }
    const n = int(d);
    const build = n !== undefined ? await store.buildByNumber(b, n) : null;
    if (!build) return missing(`build ${b} #${d}`);
    if (segs.length === 4) {
      const [tests, changes] = await Promise.all([store.getTests(build.id), store.getChanges(build.sourcestamp.changeIds)]);
      return json(200, { build: pub(build), tests, changes });
    }
    if (e === 'steps' && f !== undefined && g === 'log' && segs.length === 7) {
      const step = stepIndex(build.steps, f);
      if (step === undefined) return missing(`step ${f}`);
      const start = Math.max(1, Number.parseInt(q.get('start') ?? '1', 10) || 1);
      const limit = Math.min(5000, Math.max(1, Number.parseInt(q.get('limit') ?? '1000', 10) || 1000));
      const w = await logWindow(store, build.id, step, start, limit);
      return json(200, { step, name: build.steps[step]!.name, start, lines: w.lines.map((l) => ({ n: l.n, text: l.text, stderr: l.err })), more: w.more, next: w.more ? start + w.lines.length : null });
    }
  }
  const id = int(b);
  if (a === 'changes' && id !== undefined && segs.length === 2) {
    const ch = await store.getChange(id);
    return ch ? json(200, { change: ch }) : missing(`change ${id}`);
  }
  if (a === 'buildsets' && id !== undefined && segs.length === 2) {
    const bs = await store.getBuildSet(id);
    if (!bs) return missing(`buildset ${id}`);
    const requests = await store.getRequests(bs.requestIds);
    const builds = await store.getBuilds(requests.flatMap((r) => r.buildIds));
    return json(200, { buildset: bs, requests, builds: builds.map(pub) });
  }
  if (a === 'problems' && segs.length === 1) {
    const state = q.get('state') ?? 'open';
    if (state !== 'open' && state !== 'recent') return json(400, { error: 'state is open or recent' });
    const { offset, limit } = paging(q);
    const list = state === 'open' ? await store.problems.open() : await store.problems.recent(offset + limit);
    return json(200, { state, offset, limit, problems: list.slice(offset, offset + limit) });
  }
  const noProblem = async (n: number) => json(404, { error: (await wasPruned(store, 'problems', n)) ? `problem ${n} was resolved long ago and pruned (retention.problems)` : `there is no problem ${n}` });
  if (a === 'problems' && id !== undefined && segs.length === 2) {
    const p = await store.problems.get(id);
    if (!p) return noProblem(id);
    const [next, log] = await Promise.all([nextReminder(store, config, p, ctx.now()), store.hassle.log(id)]);
    return json(200, { problem: p, next, log, botName: config.chat?.botName ?? 'bb' });
  }
  if (a === 'problems' && id !== undefined && c === 'tests' && segs.length === 3) {
    const p = await store.problems.get(id);
    if (!p) return noProblem(id);
    const tests = problemTests(p, await firstBadTests(store, p));
    const steps = p.subjects.filter((s) => s.kind === 'step').map((s) => s.name);
    return json(200, { id: p.id, state: p.state, headline: headline(p), count: tests.length, tests, steps });
  }
  if (a === 'status' && segs.length === 1) {
    const last = Math.min(50, Math.max(1, Number.parseInt(q.get('last') ?? '3', 10) || 3));
    const builder = q.get('builder') ?? undefined;
    let list: BuilderStatus[];
    try {
      list = await builderStatuses(store, { ...(builder ? { builder } : {}), last });
    } catch (err) {
      return json(404, { error: (err as Error).message });
    }
    const strip = (b: Build) => pub(b) as Build;
    const builders = list.map((s) => ({ ...s, running: s.running.map(strip), last: s.last.map(strip), ...(s.rerunOf ? { rerunOf: strip(s.rerunOf) } : {}) }));
    return json(200, { ...(await masterStatus(store)), builders });
  }
  if (segs.length === 1 && ctx.tiers) {
    if (a === 'tiers') return json(200, { builders: await ctx.tiers.list() });
    if (a === 'tree') return json(200, { tree: await ctx.tiers.tree() });
    if (a === 'packages') return json(200, { packages: await ctx.tiers.packages(Math.min(API_MAX, Number(q.get('limit')) || 50)) });
  }
  return json(404, { error: 'no such API path (see README, "Web pages")' });
}
