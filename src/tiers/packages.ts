import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { testedRevision, type Build } from '../model/build.js';
import { isGood } from '../model/results.js';
import { finishedBuilds, health } from './health.js';
import type { PackageRecord, Tier } from '../model/tier.js';
import { shortRev } from '../model/revision.js';

/** `r1234` for revision numbers, a short commit id (src/model/revision.ts) otherwise. */
export function showRev(rev: string): string {
  return /^\d+$/.test(rev) ? `r${rev}` : shortRev(rev);
}

export type GateOutcome =
  | { kind: 'none' }
  | { kind: 'halted'; builder: string; since?: number; revision?: string; announce: boolean }
  | { kind: 'packaged'; record: PackageRecord; resumed: boolean };

/**
 * The Tahoe gate: packages for revision R are started when every builder supported now has a
 * SUCCESS or WARNINGS build of R, once per revision. While a supported builder's latest build is
 * red, no packages are made for any platform; the halt is recorded so that it is announced once.
 */
export class PackageGate {
  constructor(
    private readonly store: Store,
    private readonly config: MasterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  get builder(): string | undefined {
    return this.config.packages?.builder;
  }

  /** Decides after `trigger` finished (or, without one, after a tier changed: halts only). */
  async evaluate(tiers: Map<string, Tier>, trigger?: Build): Promise<GateOutcome> {
    const pkg = this.builder;
    if (!pkg) return { kind: 'none' };
    const gating = [...tiers].filter(([name, t]) => t === 'supported' && name !== pkg).map(([name]) => name);
    for (const name of gating) {
      const h = await health(this.store, name, 'supported');
      if (h.state !== 'red') continue;
      const halt = { builder: name, ...(h.since !== undefined ? { since: h.since } : {}), ...(h.sinceRevision ? { revision: h.sinceRevision } : {}) };
      const set = await this.store.redis.set(this.store.keys.packagesHalted, JSON.stringify(halt), 'NX');
      return { kind: 'halted', ...halt, announce: set === 'OK' };
    }
    if (!trigger || trigger.builder === pkg || trigger.sourcestamp.patch) return { kind: 'none' };
    const rev = testedRevision(trigger);
    if (!rev) return { kind: 'none' };
    const vouchers: string[] = [];
    for (const name of gating) {
      const good = (await finishedBuilds(this.store, name)).find((b) => !b.sourcestamp.patch && testedRevision(b) === rev && isGood(b.result!));
      if (!good) return { kind: 'none' };
      vouchers.push(`${name}#${good.number}`);
    }
    if (!vouchers.length) return { kind: 'none' };
    const record: PackageRecord = { revision: rev, vouchers, at: this.now(), buildsetId: 0 };
    const made = await this.store.redis.hsetnx(this.store.keys.packagesMade, rev, JSON.stringify(record));
    if (!made) return { kind: 'none' };
    const { patch: _patch, ...stamp } = trigger.sourcestamp;
    const { buildset } = await this.store.createBuildSet({
      reason: `packages for ${showRev(rev)}: every supported builder passed (${vouchers.join(', ')})`,
      scheduler: 'packages',
      sourcestamp: { ...stamp, revision: rev },
      builders: [pkg],
      properties: {
        ...this.config.properties,
        packaged_revision: rev,
        ...(this.config.packages?.dir ? { package_dir: this.config.packages.dir } : {}),
      },
      priority: 0,
      collapse: false,
    });
    record.buildsetId = buildset.id;
    await this.store.redis
      .multi()
      .hset(this.store.keys.packagesMade, rev, JSON.stringify(record))
      .lpush(this.store.keys.packages, rev)
      .exec();
    const resumed = (await this.store.redis.del(this.store.keys.packagesHalted)) === 1;
    return { kind: 'packaged', record, resumed };
  }

  /** Notes how the package build of a revision ended. */
  async packageFinished(build: Build): Promise<PackageRecord | null> {
    const rev = build.properties.packaged_revision;
    if (typeof rev !== 'string') return null;
    const json = await this.store.redis.hget(this.store.keys.packagesMade, rev);
    if (!json) return null;
    const record = JSON.parse(json) as PackageRecord;
    record.build = { number: build.number, result: build.result ?? 'EXCEPTION', ...(build.finishedAt !== undefined ? { finishedAt: build.finishedAt } : {}) };
    await this.store.redis.hset(this.store.keys.packagesMade, rev, JSON.stringify(record));
    return record;
  }

  /** The last `n` packages started, newest first. */
  async list(n: number): Promise<PackageRecord[]> {
    const revs = await this.store.redis.lrange(this.store.keys.packages, 0, Math.max(0, n - 1));
    if (!revs.length) return [];
    const rows = await this.store.redis.hmget(this.store.keys.packagesMade, ...revs);
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as PackageRecord);
  }
}
