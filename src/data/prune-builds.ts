import type { Build } from '../model/build.js';
import type { RetentionRule } from '../model/retention.js';
import type { Multi } from './db.js';
import { buildTime, perBuilder, sliceOldest, widen, type Pass, type Verdict } from './prune-pass.js';

/** Build records of one builder (with their logs and test results), beyond the newest kept. */
export async function pruneBuilds(run: Pass, builder: string, rule: RetentionRule): Promise<void> {
  const { builds, retention } = run.store;
  const cutoff = run.now() - rule.maxAge;
  const k = run.keep!;
  await sliceOldest(run, 'builds', builds.history(builder), perBuilder(rule), builds.prunedMark(builder), async (ids) =>
    (await builds.slots(ids)).map((b, i): Verdict => {
      const id = ids[i]!;
      if (!b) return 'missing';
      if (b.state !== 'finished' || k.builds.has(id) || k.buildRecords.has(id) || k.buildNumbers.has(`${builder}#${b.number}`) || id > k.buildsAbove) return 'kept';
      if (buildTime(b) > cutoff) return 'young';
      return {
        mark: b.number,
        range: builder,
        drop: (m) => {
          run.gone.add(id);
          retention.undeferLogs(m, id);
          return builds.drop(m, b);
        },
      };
    }),
  );
}

/** Builds whose logs were due but kept last time: gone now if nothing needs them any more. */
export async function pruneDeferredLogs(run: Pass, rule: RetentionRule): Promise<void> {
  const { builds, retention } = run.store;
  const ids = await retention.deferredLogs();
  const cutoff = run.now() - rule.maxAge;
  for (let i = 0; i < ids.length; i += run.slice) {
    const slice = ids.slice(i, i + run.slice);
    const found = await builds.slots(slice);
    const m = retention.begin();
    for (const [j, b] of found.entries()) {
      if (!b) {
        retention.undeferLogs(m, slice[j]!);
        continue;
      }
      if (run.gone.has(b.id)) continue;
      const newer = await builds.newerThan(b.builder, b.id);
      if (b.logsPrunedAt || (newer !== null && newer < perBuilder(rule)) || b.state !== 'finished' || run.keep!.builds.has(b.id) || buildTime(b) > cutoff) {
        if (!b.logsPrunedAt) run.report.kept.logs += 1;
        continue;
      }
      dropLogs(run, m, b);
      retention.undeferLogs(m, b.id);
    }
    if (!run.dry && m.length) await m.exec();
    await run.pause();
  }
}

/**
 * Logs of one builder's builds beyond the newest kept, by build number from where the last pass
 * stopped; a build whose logs are needed is deferred (looked at again by pruneDeferredLogs).
 */
export async function pruneLogs(run: Pass, builder: string, rule: RetentionRule): Promise<void> {
  const { builds, retention } = run.store;
  const limit = (await builds.history(builder).count()) - perBuilder(rule);
  if (limit <= 0) return;
  const upper = await builds.numberAt(builder, limit - 1);
  if (upper === null) return;
  const cutoff = run.now() - rule.maxAge;
  const cursor = builds.prunedMark(builder, 'logs');
  let mark = await cursor.get();
  for (;;) {
    const slice = await builds.numbered(builder, mark, upper, run.slice);
    if (!slice.length) break;
    const found = await builds.slots(slice.map((s) => s.id));
    const m = retention.begin();
    let young = false;
    for (const [i, b] of found.entries()) {
      if (b && !b.logsPrunedAt && !run.gone.has(b.id)) {
        if (buildTime(b) > cutoff) {
          young = true;
          break;
        }
        if (b.state !== 'finished' || run.keep!.builds.has(b.id)) {
          retention.deferLogs(m, b.id);
          run.report.kept.logs += 1;
        } else dropLogs(run, m, b);
      }
      mark = Math.max(mark, slice[i]!.number);
    }
    if (!run.dry) {
      cursor.set(m, mark);
      await m.exec();
    }
    if (young || slice.length < run.slice) break;
    await run.pause();
  }
}

function dropLogs(run: Pass, m: Multi, b: Build): void {
  run.report.keys += run.store.builds.pruneLogs(m, b, run.report.at);
  run.report.pruned.logs += 1;
  widen(run.report.ranges.logs, b.builder, b.number);
}
