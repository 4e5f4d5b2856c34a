import type { ChainableCommander } from 'ioredis';
import type { Build, BuildRequest, BuildSet } from '../model/build.js';
import type { Change } from '../model/change.js';
import type { RetentionPolicy, RetentionRule } from '../model/retention.js';
import type { Store } from './store.js';
import { gatherKeep, type KeepSet } from './prune-keep.js';
import { dbOf } from './db.js';

export const PRUNE_KINDS = ['builds', 'logs', 'buildsets', 'changes'] as const;
export type PruneKind = (typeof PRUNE_KINDS)[number];

/** What one pass pruned (or, dry, would prune), per kind of history. */
export interface PruneReport {
  at: number;
  dryRun: boolean;
  /** Records that went: builds, builds whose logs went, BuildSets (with `requests` requests), changes. */
  pruned: Record<PruneKind, number>;
  requests: number;
  /** Redis keys deleted (or that would be). */
  keys: number;
  /** Records due by age and count but kept because something still needs them. */
  kept: Record<PruneKind, number>;
  /** Lowest and highest number that went, per builder (builds, logs) or overall (`*`: ids). */
  ranges: Record<PruneKind, Record<string, [number, number]>>;
}

export interface PruneOptions {
  dryRun?: boolean;
  /** Pause between slices, in ms (the master's background passes leave Redis to others). Default 0. */
  pauseMs?: number;
  /** Checked between slices: true ends the pass there (what went so far stays gone). */
  stopped?: () => boolean;
}

/** A pass ended early by `PruneOptions.stopped`. */
export class PruneStopped extends Error {
  constructor() {
    super('retention pass stopped');
  }
}

/**
 * Retention (src/config/retention.ts): removes old builds, logs, BuildSets and changes in slices
 * of `policy.slice` records, yielding between slices. What the KeepSet names is never touched, nor
 * the id counters. A record goes only when older than its rule's `maxAge` and not among the newest
 * `keepLast`. Records are looked at oldest first and a pass stops at the first young one.
 */
export class Pruner {
  private running?: Promise<PruneReport>;

  constructor(
    private readonly store: Store,
    private readonly policy: RetentionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** One pass; a pass already under way is awaited rather than run twice. */
  run(opts: PruneOptions = {}): Promise<PruneReport> {
    this.running ??= this.pass(opts).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(opts: PruneOptions): Promise<PruneReport> {
    const at = this.now();
    const zero = (): Record<PruneKind, number> => ({ builds: 0, logs: 0, buildsets: 0, changes: 0 });
    const report: PruneReport = { at, dryRun: !!opts.dryRun, pruned: zero(), requests: 0, keys: 0, kept: zero(), ranges: { builds: {}, logs: {}, buildsets: {}, changes: {} } };
    const p = this.policy;
    if (!p.builds && !p.logs && !p.buildsets && !p.changes) return report;
    const run: Pass = { keep: await gatherKeep(this.store), gone: new Set(), report, dry: !!opts.dryRun, pause: async () => {
        await new Promise((r) => setTimeout(r, opts.pauseMs ?? 0));
        if (opts.stopped?.()) throw new PruneStopped();
      },
    };
    const builders = await this.builders();
    if (p.builds) for (const b of builders) await this.pruneBuilds(run, b, p.builds);
    if (p.logs) {
      await this.deferredLogs(run, p.logs);
      for (const b of builders) await this.pruneLogs(run, b, p.logs);
    }
    if (p.buildsets) await this.pruneBuildSets(run, p.buildsets);
    if (p.changes) await this.pruneChanges(run, p.changes);
    if (!run.dry) await dbOf(this.store).redis.set(dbOf(this.store).keys.retentionLast, JSON.stringify({ at, pruned: report.pruned, requests: report.requests, keys: report.keys, kept: report.kept }));
    return report;
  }

  /** Every builder with stored builds (also those no longer in the config). */
  private async builders(): Promise<string[]> {
    const { redis, keys } = dbOf(this.store);
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, list] = await redis.scan(cursor, 'MATCH', keys.builderBuildsPattern, 'COUNT', 1000);
      cursor = next;
      for (const k of list) found.add(keys.builderOfBuildsKey(k));
    } while (cursor !== '0');
    return [...found].sort();
  }

  private async pruneBuilds(run: Pass, builder: string, rule: RetentionRule): Promise<void> {
    const { redis, keys } = dbOf(this.store);
    const zkey = keys.builderBuilds(builder);
    const cutoff = this.now() - rule.maxAge;
    let limit = (await redis.zcard(zkey)) - perBuilder(rule);
    let offset = 0;
    let highest = Number((await redis.get(keys.builderPruned(builder))) ?? 0);
    while (offset < limit) {
      const ids = (await redis.zrange(zkey, offset, Math.min(offset + this.policy.slice, limit) - 1)).map(Number);
      if (!ids.length) break;
      const raws = await redis.mget(ids.map((id) => keys.build(id)));
      const m = redis.multi();
      let removed = 0;
      let young = false;
      for (const [i, id] of ids.entries()) {
        const raw = raws[i];
        if (raw == null) {
          m.zrem(zkey, String(id)); // an index entry without its record
          removed += 1;
          continue;
        }
        const b = JSON.parse(raw) as Build;
        const k = run.keep;
        if (b.state !== 'finished' || k.builds.has(id) || k.buildRecords.has(id) || k.buildNumbers.has(`${builder}#${b.number}`) || id > k.buildsAbove) {
          run.report.kept.builds += 1;
          continue;
        }
        if (buildTime(b) > cutoff) {
          young = true;
          break;
        }
        const gone = [keys.build(id), keys.buildCell(id), ...(b.logsPrunedAt ? [] : logKeys(this.store, b))];
        m.del(...gone).zrem(zkey, String(id)).zrem(keys.retentionDeferredLogs, String(id));
        run.report.keys += gone.length;
        run.report.pruned.builds += 1;
        widen(run.report.ranges.builds, builder, b.number);
        highest = Math.max(highest, b.number);
        run.gone.add(id);
        removed += 1;
      }
      if (!run.dry && m.length) {
        m.set(keys.builderPruned(builder), String(highest));
        await m.exec();
        limit -= removed;
        offset += ids.length - removed;
      } else offset += ids.length;
      if (young) break;
      await run.pause();
    }
  }

  /** Builds whose logs were due but kept last time: gone now if nothing needs them any more. */
  private async deferredLogs(run: Pass, rule: RetentionRule): Promise<void> {
    const { redis, keys } = dbOf(this.store);
    const ids = (await redis.zrange(keys.retentionDeferredLogs, 0, -1)).map(Number);
    const cutoff = this.now() - rule.maxAge;
    for (let i = 0; i < ids.length; i += this.policy.slice) {
      const builds = await this.store.getBuilds(ids.slice(i, i + this.policy.slice));
      const m = redis.multi();
      const found = new Set(builds.map((b) => b.id));
      for (const id of ids.slice(i, i + this.policy.slice)) if (!found.has(id)) m.zrem(keys.retentionDeferredLogs, String(id));
      for (const b of builds) {
        if (run.gone.has(b.id)) continue;
        const rank = await redis.zrevrank(keys.builderBuilds(b.builder), String(b.id));
        if (b.logsPrunedAt || (rank !== null && rank < perBuilder(rule)) || b.state !== 'finished' || run.keep.builds.has(b.id) || buildTime(b) > cutoff) {
          if (!b.logsPrunedAt) run.report.kept.logs += 1;
          continue;
        }
        this.dropLogs(run, m, b);
        m.zrem(keys.retentionDeferredLogs, String(b.id));
      }
      if (!run.dry && m.length) await m.exec();
      await run.pause();
    }
  }

  private async pruneLogs(run: Pass, builder: string, rule: RetentionRule): Promise<void> {
    const { redis, keys } = dbOf(this.store);
    const zkey = keys.builderBuilds(builder);
    const limit = (await redis.zcard(zkey)) - perBuilder(rule);
    if (limit <= 0) return;
    const upper = Number((await redis.zrange(zkey, limit - 1, limit - 1, 'WITHSCORES'))[1]);
    const cutoff = this.now() - rule.maxAge;
    let mark = Number((await redis.get(keys.builderLogsPruned(builder))) ?? 0);
    for (;;) {
      const flat = await redis.zrangebyscore(zkey, `(${mark}`, upper, 'WITHSCORES', 'LIMIT', 0, this.policy.slice);
      const ids = flat.filter((_, i) => i % 2 === 0).map(Number);
      const numbers = flat.filter((_, i) => i % 2 === 1).map(Number);
      if (!ids.length) break;
      const raws = await redis.mget(ids.map((id) => keys.build(id)));
      const m = redis.multi();
      let young = false;
      for (const [i, raw] of raws.entries()) {
        const b = raw == null ? null : (JSON.parse(raw) as Build);
        if (b && !b.logsPrunedAt && !run.gone.has(b.id)) {
          if (buildTime(b) > cutoff) {
            young = true;
            break;
          }
          if (b.state !== 'finished' || run.keep.builds.has(b.id)) {
            m.zadd(keys.retentionDeferredLogs, b.id, String(b.id));
            run.report.kept.logs += 1;
          } else this.dropLogs(run, m, b);
        }
        mark = Math.max(mark, numbers[i]!);
      }
      if (!run.dry) {
        m.set(keys.builderLogsPruned(builder), String(mark));
        await m.exec();
      }
      if (young || ids.length < this.policy.slice) break;
      await run.pause();
    }
  }

  private dropLogs(run: Pass, m: ChainableCommander, b: Build): void {
    const gone = logKeys(this.store, b);
    m.del(...gone).set(dbOf(this.store).keys.build(b.id), JSON.stringify({ ...b, logsPrunedAt: run.report.at } satisfies Build));
    run.report.keys += gone.length;
    run.report.pruned.logs += 1;
    widen(run.report.ranges.logs, b.builder, b.number);
  }

  private async pruneBuildSets(run: Pass, rule: RetentionRule): Promise<void> {
    const { keys } = dbOf(this.store);
    await this.sliceOldest(run, keys.buildsets, rule, 'buildsets', async (ids) => {
      const sets = new Map((await this.store.getBuildSets(ids)).map((s) => [s.id, s] as const));
      const reqs = new Map((await this.store.getRequests([...sets.values()].flatMap((s) => s.requestIds))).map((r) => [r.id, r] as const));
      return ids.map((id): Verdict => {
        const bs: BuildSet | undefined = sets.get(id);
        if (!bs) return 'missing';
        const mine = bs.requestIds.map((r) => reqs.get(r)).filter((r): r is BuildRequest => !!r);
        if (run.keep.buildsets.has(id) || id > run.keep.buildsetsAbove || !bs.completeAt || mine.some((r) => r.state !== 'complete')) return 'kept';
        if (bs.completeAt > this.now() - rule.maxAge) return 'young';
        return (m) => {
          m.del(keys.buildset(id), ...bs.requestIds.map((r) => keys.request(r)));
          for (const r of mine) m.zrem(keys.builderCollapsed(r.builder), String(r.id)).zrem(keys.builderSuperseded(r.builder), String(r.id));
          run.report.keys += 1 + bs.requestIds.length;
          run.report.requests += bs.requestIds.length;
        };
      });
    });
  }

  private async pruneChanges(run: Pass, rule: RetentionRule): Promise<void> {
    const { keys } = dbOf(this.store);
    await this.sliceOldest(run, keys.changes, rule, 'changes', async (ids) => {
      const changes = new Map((await this.store.getChanges(ids)).map((c) => [c.id, c] as const));
      return ids.map((id): Verdict => {
        const c: Change | undefined = changes.get(id);
        if (id > run.keep.changesAbove) return 'young';
        if (!c) return 'missing';
        if (run.keep.changes.has(id)) return 'kept';
        if (c.receivedAt > this.now() - rule.maxAge) return 'young';
        return (m) => {
          m.del(keys.change(id));
          run.report.keys += 1;
        };
      });
    });
  }

  /**
   * Walk a zset of ids (score = id) oldest first over the entries beyond the newest `keepLast`, a
   * slice at a time; `judge` says what becomes of each. Stops at the first young one.
   */
  private async sliceOldest(run: Pass, zkey: string, rule: RetentionRule, kind: 'buildsets' | 'changes', judge: (ids: number[]) => Promise<Verdict[]>): Promise<void> {
    const { redis, keys } = dbOf(this.store);
    let limit = (await redis.zcard(zkey)) - rule.keepLast;
    let offset = 0;
    let highest = Number((await redis.hget(keys.retentionPruned, kind)) ?? 0);
    while (offset < limit) {
      const ids = (await redis.zrange(zkey, offset, Math.min(offset + this.policy.slice, limit) - 1)).map(Number);
      if (!ids.length) break;
      const m = redis.multi();
      const verdicts = await judge(ids);
      let removed = 0;
      let young = false;
      for (const [i, v] of verdicts.entries()) {
        const id = ids[i]!;
        if (v === 'young') {
          young = true;
          break;
        }
        if (v === 'kept') {
          run.report.kept[kind] += 1;
          continue;
        }
        m.zrem(zkey, String(id));
        removed += 1;
        if (v === 'missing') continue;
        v(m);
        run.report.pruned[kind] += 1;
        widen(run.report.ranges[kind], '*', id);
        highest = Math.max(highest, id);
      }
      if (!run.dry && m.length) {
        m.hset(keys.retentionPruned, kind, String(highest));
        await m.exec();
        limit -= removed;
        offset += ids.length - removed;
      } else offset += ids.length;
      if (young) break;
      await run.pause();
    }
  }
}

/** What becomes of one record: kept (needed), young (stop here), missing (drop its index entry), or the deletes to queue. */
type Verdict = 'kept' | 'young' | 'missing' | ((m: ChainableCommander) => void);

interface Pass {
  keep: KeepSet;
  /** Builds this pass removed (or, dry, would): the logs step leaves them out. */
  gone: Set<number>;
  report: PruneReport;
  dry: boolean;
  pause: () => Promise<void>;
}

/**
 * Builds (and logs) kept per builder: `keepLast`, and never fewer than the newest
 * MIN_PER_BUILDER, which the Problem detector compares each new build with.
 */
export const MIN_PER_BUILDER = 5;

function perBuilder(rule: RetentionRule): number {
  return Math.max(rule.keepLast, MIN_PER_BUILDER);
}

/** When a build counts as made, for its age. */
function buildTime(b: Build): number {
  return b.finishedAt ?? b.startedAt ?? b.dispatchedAt;
}

function logKeys(store: Store, b: Build): string[] {
  return [...b.steps.map((_, i) => dbOf(store).keys.log(b.id, i)), dbOf(store).keys.tests(b.id)];
}

function widen(ranges: Record<string, [number, number]>, key: string, n: number): void {
  const r = ranges[key];
  ranges[key] = r ? [Math.min(r[0], n), Math.max(r[1], n)] : [n, n];
}
