import type { BuildRequest } from '../model/build.js';
import type { RetentionRule } from '../model/retention.js';
import { sliceOldest, type Pass, type Verdict } from './prune-pass.js';

/** BuildSets (with their requests) beyond the newest kept, complete, and nothing pending or needed. */
export async function pruneBuildSets(run: Pass, rule: RetentionRule): Promise<void> {
  const { buildsets, retention } = run.store;
  const k = run.keep!;
  await sliceOldest(run, 'buildsets', buildsets.history(), rule.keepLast, retention.mark('buildsets'), async (ids) => {
    const sets = new Map((await run.store.getBuildSets(ids)).map((s) => [s.id, s] as const));
    const reqs = new Map((await run.store.getRequests([...sets.values()].flatMap((s) => s.requestIds))).map((r) => [r.id, r] as const));
    return ids.map((id): Verdict => {
      const bs = sets.get(id);
      if (!bs) return 'missing';
      const mine = bs.requestIds.map((r) => reqs.get(r)).filter((r): r is BuildRequest => !!r);
      if (k.buildsets.has(id) || id > k.buildsetsAbove || !bs.completeAt || mine.some((r) => r.state !== 'complete')) return 'kept';
      if (bs.completeAt > run.now() - rule.maxAge) return 'young';
      return {
        mark: id,
        drop: (m) => {
          run.report.requests += bs.requestIds.length;
          return buildsets.drop(m, bs, mine);
        },
      };
    });
  });
}

/** Changes beyond the newest kept that nothing needs. */
export async function pruneChanges(run: Pass, rule: RetentionRule): Promise<void> {
  const { changes, retention } = run.store;
  const k = run.keep!;
  await sliceOldest(run, 'changes', changes.history(), rule.keepLast, retention.mark('changes'), async (ids) => {
    const found = new Map((await changes.getMany(ids)).map((c) => [c.id, c] as const));
    return ids.map((id): Verdict => {
      const c = found.get(id);
      if (id > k.changesAbove) return 'young';
      if (!c) return 'missing';
      if (k.changes.has(id)) return 'kept';
      if (c.receivedAt > run.now() - rule.maxAge) return 'young';
      return { mark: id, drop: (m) => changes.drop(m, id) };
    });
  });
}

/**
 * Resolved Problems beyond the newest `keepLast` Problems, resolved longer ago than `maxAge`, with
 * their reminder state and logs. Open and flaky Problems stay; one whose ending the hassler has
 * still to tell is kept. Problems resolve out of order, so the walk does not stop at a young one.
 */
export async function pruneProblems(run: Pass, rule: RetentionRule): Promise<void> {
  const { problems, hassle, retention } = run.store;
  const cutoff = run.now() - rule.maxAge;
  const active = new Set(await hassle.active());
  await sliceOldest(run, 'problems', problems.history(), rule.keepLast, retention.mark('problems'), async (ids) => {
    const found = await problems.slots(ids);
    const out: Verdict[] = [];
    for (const [i, p] of found.entries()) {
      if (!p) out.push('missing');
      else if (p.state !== 'resolved' || (p.resolvedAt ?? run.now()) > cutoff) out.push('later');
      else if (active.has(p.id)) out.push('kept');
      else {
        const keys = await problems.keysOf(p);
        out.push({
          mark: ids[i]!,
          drop: (m) => {
            run.goneProblems.add(p.id);
            return problems.drop(m, p, keys) + hassle.drop(m, p.id);
          },
        });
      }
    }
    return out;
  });
}

/** Reminder logs (ladder, delivery markers, audit) of Problems resolved longer ago than `maxAge`; the Problems stay. */
export async function pruneHassle(run: Pass, rule: RetentionRule): Promise<void> {
  const { problems, hassle } = run.store;
  const cutoff = run.now() - rule.maxAge;
  const active = new Set(await hassle.active());
  await sliceOldest(run, 'hassle', problems.history(), rule.keepLast, null, async (ids) => {
    const found = await problems.slots(ids);
    const out: Verdict[] = [];
    for (const [i, p] of found.entries()) {
      if (!p || run.goneProblems.has(p.id) || p.state !== 'resolved' || (p.resolvedAt ?? run.now()) > cutoff || !(await hassle.has(p.id))) out.push('later');
      else if (active.has(p.id)) out.push('kept');
      else out.push({ mark: ids[i]!, keepIndexed: true, drop: (m) => hassle.drop(m, p.id) });
    }
    return out;
  });
}

/**
 * Package records beyond the newest `keepLast` (never the newest one), made longer ago than
 * `maxAge`. Their BuildSets and builds are then no longer held by them (a later pass may prune those).
 */
export async function prunePackages(run: Pass, rule: RetentionRule): Promise<void> {
  const { tiers } = run.store;
  const cutoff = run.now() - rule.maxAge;
  await sliceOldest(run, 'packages', tiers.packageHistory(), Math.max(1, rule.keepLast), null, async (revisions) =>
    (await tiers.packageSlots(revisions)).map((r, i): Verdict => {
      if (!r) return 'missing';
      if (r.at > cutoff) return 'young';
      return { drop: (m) => tiers.dropPackage(m, revisions[i]!) };
    }),
  );
}
