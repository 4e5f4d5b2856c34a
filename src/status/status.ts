import { echo } from '../util/safe-text.js';
import type { Store } from '../data/store.js';
import { testedRevision, type Build, type BuildRequest } from '../model/build.js';
import type { ExecutorRecord, RefusedExecutor } from '../model/records.js';
import { shortRev } from '../model/revision.js';
import { headline } from '../problems/subject-text.js';

export interface BuilderStatus {
  name: string;
  tier: 'supported' | 'unsupported';
  category?: string;
  executors: Array<{ name: string; state: ExecutorRecord['state'] | 'never seen'; refused?: RefusedExecutor }>;
  pending: number;
  /** Requests that collapsed into newer ones (ended SKIPPED), of those still stored (retention removes old ones). */
  collapsed?: number;
  /** Requests cancelled or stopped because a newer BuildSet on their branch arrived (`cancelSuperseded`), of those still stored. */
  superseded?: number;
  /** The newest of those requests, newest first, each with `supersededBy` (the request that took its place). */
  supersededRequests?: BuildRequest[];
  running: Build[];
  last: Build[];
  /**
   * When the newest finished build is a rerun (a Problem's confirming rerun at the same
   * revision, with no blamelist of its own): the build it reran, the one that first failed.
   */
  rerunOf?: Build;
  /** Open Problems not yet fixed on this builder: id and what fails in one short line (a few names, or a count and the biggest file). */
  problems?: Array<{ id: number; what: string; tests: number }>;
}

/** A rerun bb made itself to confirm a Problem (not a build of new changes). */
export function isRerun(b: Build): boolean {
  return typeof b.properties.confirm_problem === 'number';
}

/**
 * The newest finished build in one line: when it is a rerun, the build that first failed (with
 * its blamelist) and then the rerun, marked as such: `#5 FAILURE in test at 0123 by Alice; rerun #6 FAILURE`.
 */
export function describeLast(s: Pick<BuilderStatus, 'last' | 'rerunOf'>): string | null {
  const newest = s.last[0];
  if (!newest) return null;
  if (!isRerun(newest)) return describeBuild(newest);
  const rerun = `rerun #${newest.number} ${newest.result}${typeof newest.properties.confirm_problem === 'number' ? ` (confirming problem #${newest.properties.confirm_problem})` : ''}`;
  return s.rerunOf ? `${describeBuild(s.rerunOf)}; ${rerun}` : `${describeBuild(newest)} (a rerun)`;
}

/** What `bb status` and the chat's `status` show about builders, read from the store. */
export async function builderStatuses(store: Store, opts: { builder?: string; last?: number } = {}): Promise<BuilderStatus[]> {
  const summary = await store.configSummary();
  if (!summary) throw new Error('no master has run with this Redis and prefix yet (start `bb master` first)');
  const builders = opts.builder ? summary.builders.filter((b) => b.name === opts.builder) : summary.builders;
  if (opts.builder && !builders.length) {
    throw new Error(`unknown builder "${echo(opts.builder)}" (known: ${summary.builders.map((b) => b.name).join(', ')})`);
  }
  const execs = new Map((await store.getExecutors(summary.executors)).map((e) => [e.name, e]));
  const refused = await store.executors.refused(summary.executors);
  const active = await store.activeBuilds();
  const pending = await store.pendingByBuilder(builders.map((b) => b.name));
  const superseded = await store.supersededCounts(builders.map((b) => b.name));
  const open = await store.problems.open();
  const problemsOn = (builder: string) =>
    open.filter((p) => p.builders.some((x) => x.builder === builder && x.fixedAt === undefined)).map((p) => ({ id: p.id, what: headline(p), tests: p.subjects.filter((x) => x.kind === 'test').length }));
  return Promise.all(
    builders.map(async (b): Promise<BuilderStatus> => {
      const gone = superseded.get(b.name) ?? { collapsed: 0, superseded: 0 };
      return {
        name: b.name,
        tier: b.tier,
        ...(b.category ? { category: b.category } : {}),
        executors: b.executors.map((name) => {
          const r = refused.get(name);
          return { name, state: execs.get(name)?.state ?? ('never seen' as const), ...(r ? { refused: r } : {}) };
        }),
        pending: pending.get(b.name) ?? 0,
        collapsed: gone.collapsed,
        superseded: gone.superseded,
        supersededRequests: gone.collapsed + gone.superseded ? await store.recentSuperseded(b.name, opts.last ?? 3) : [],
        running: active.filter((x) => x.builder === b.name),
        ...(await lastFinished(store, b.name, opts.last ?? 3)),
        problems: problemsOn(b.name),
      };
    }),
  );
}


/** The newest `n` finished builds, and when the newest is a rerun, the build it reran. */
async function lastFinished(store: Store, builder: string, n: number): Promise<{ last: Build[]; rerunOf?: Build }> {
  const finished = (await store.lastBuilds(builder, n + 10)).filter((x) => x.state === 'finished');
  const last = finished.slice(0, n);
  if (!last[0] || !isRerun(last[0])) return { last };
  const rerunOf = finished.find((x) => !isRerun(x) && testedRevision(x) === testedRevision(last[0]!));
  return rerunOf ? { last, rerunOf } : { last };
}

export function authorName(author: string): string {
  const m = /^(.*?)\s*<[^>]*>$/.exec(author);
  return (m?.[1] || author).trim();
}

export function describeBuild(b: Build): string {
  const rev = shortRev(testedRevision(b), 'HEAD');
  const blame = b.blamelist.length ? ` by ${b.blamelist.map(authorName).join(', ')}` : '';
  if (b.state !== 'finished') {
    const step = b.currentStep !== undefined ? b.steps[b.currentStep]?.name : undefined;
    return `#${b.number} ${b.state}${step ? ` (${step})` : ''} at ${rev}${blame} on ${b.executor}`;
  }
  const failed = b.steps.filter((s) => s.result === 'FAILURE' || s.result === 'EXCEPTION').map((s) => s.name);
  const tests = b.tests?.failed ? `, ${b.tests.failed} test${b.tests.failed === 1 ? '' : 's'} failed` : '';
  const collapsed = b.collapsedRequestIds?.length ? ` (+${b.collapsedRequestIds.length} collapsed)` : '';
  return `#${b.number} ${b.result}${failed.length ? ` in ${failed.join(', ')}` : ''}${tests} at ${rev}${blame}${collapsed}${b.text && b.result === 'RETRY' ? ` (${b.text})` : ''}`;
}

/** The last process refused under an executor's name. */
export function describeRefused(r: RefusedExecutor): string {
  return `executor ${r.name}: refused a process on ${r.hostname} (session ${r.session}) at ${new Date(r.at).toISOString()}: ${r.reason}`;
}

/** One request that ended without a build of its own, or was stopped for a newer one. */
export function describeSuperseded(r: BuildRequest): string {
  const how = r.result === 'SKIPPED' ? 'collapsed into' : 'superseded by';
  return `request ${r.id} (buildset ${r.buildsetId}) ${r.result ?? r.state}: ${how} request ${r.supersededBy}`;
}

export function formatStatus(list: BuilderStatus[]): string {
  const lines: string[] = [];
  for (const s of list) {
    const execs = s.executors.map((e) => `${e.name} ${e.state}`).join(', ');
    const gone = [s.collapsed ? `${s.collapsed} collapsed` : '', s.superseded ? `${s.superseded} superseded` : ''].filter(Boolean);
    lines.push(`${s.name} [${s.tier}] executors: ${execs}; ${s.pending} pending${gone.length ? `, ${gone.join(', ')}` : ''}`);
    for (const e of s.executors) if (e.refused) lines.push(`  ${describeRefused(e.refused)}`);
    for (const b of s.running) lines.push(`  running ${describeBuild(b)}`);
    for (const b of s.last) lines.push(`  ${describeBuild(b)}`);
    for (const r of s.supersededRequests ?? []) lines.push(`  ${describeSuperseded(r)}`);
    for (const p of s.problems ?? []) lines.push(`  open problem ${p.id}: ${p.what}${p.tests > 3 ? `; every test: "bb problem ${p.id} --tests"` : ''}`);
    if (!s.running.length && !s.last.length) lines.push('  no builds yet');
  }
  return lines.join('\n');
}
