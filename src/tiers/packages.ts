import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import { testedRevision, type Build } from '../model/build.js';
import { isGood } from '../model/results.js';
import { finishedBuilds, health } from './health.js';
import type { PackageRecord, Tier, TierLine } from '../model/tier.js';
import { shortRev } from '../model/revision.js';

/** `r1234` for revision numbers, a short commit id (src/model/revision.ts) otherwise. */
export function showRev(rev: string): string {
  return /^\d+$/.test(rev) ? `r${rev}` : shortRev(rev);
}

export type GateOutcome =
  | { kind: 'none' }
  | {
      kind: 'halted';
      builder: string;
      since?: number;
      revision?: string;
      /** Every supported builder red now (the first is `builder`). */
      reds: Array<{ builder: string; since?: number; revision?: string }>;
      announce: boolean;
      /** What to say (stored with the halt: said by the next leader should this one die first). */
      line?: TierLine;
    }
  | { kind: 'packaged'; record: PackageRecord; resumed: boolean; line?: TierLine };

/** Red supported builders, as the gate found them. */
export type Reds = Array<{ builder: string; since?: number; revision?: string }>;

/**
 * The Tahoe gate: packages for revision R are started when every builder supported now has a
 * SUCCESS or WARNINGS build of R, once per revision. While a supported builder's latest build is
 * red, no packages are made for any platform; the halt is recorded so that it is announced once.
 */
export class PackageGate {
  constructor(
    private readonly store: Store,
    /** The master's config as it is now (a reload may replace it). */
    private readonly config: () => MasterConfig,
    private readonly now: () => number = Date.now,
    /** The line that says packages halted (the service names the Problems on the red builders). */
    private readonly haltedText: (reds: Reds) => Promise<string> = async (reds) => `packages halted: supported builder${reds.length > 1 ? 's' : ''} ${reds.map((r) => r.builder).join(', ')}`,
  ) {}

  get builder(): string | undefined {
    return this.config().packages?.builder;
  }

  /**
   * Decides after `trigger` finished, or, without one (the set of supported builders changed:
   * demote, promote, expiry, config at start), re-evaluates the latest revisions and packages the
   * newest one that every builder supported now passed, unless it (or a newer one) is packaged.
   */
  async evaluate(tiers: Map<string, Tier>, trigger?: Build): Promise<GateOutcome> {
    const pkg = this.builder;
    if (!pkg) return { kind: 'none' };
    const gating = [...tiers].filter(([name, t]) => t === 'supported' && name !== pkg).map(([name]) => name);
    const red: Array<{ builder: string; since?: number; revision?: string }> = [];
    for (const name of gating) {
      const h = await health(this.store, name, 'supported');
      if (h.state === 'red') red.push({ builder: name, ...(h.since !== undefined ? { since: h.since } : {}), ...(h.sinceRevision ? { revision: h.sinceRevision } : {}) });
    }
    if (red.length) {
      // Said once per halt, and again only when another supported builder turns red meanwhile
      // (the line then names every red one).
      const before = await this.store.tiers.packagesHalt();
      const had = before ? (before.builders ?? [before.builder]) : [];
      const fresh = red.some((r) => !had.includes(r.builder));
      const halt = { ...red[0]!, builders: [...new Set([...had, ...red.map((r) => r.builder)])] };
      const line: TierLine | undefined = fresh ? { id: `halted:${halt.builders.join(',')}:${red[0]!.since ?? ''}`, text: await this.haltedText(red), at: this.now() } : undefined;
      const announce = fresh && (await this.store.tiers.haltPackages(halt, !!before, line));
      return { kind: 'halted', ...red[0]!, reds: red, announce, ...(announce && line ? { line } : {}) };
    }
    if (!gating.length) return { kind: 'none' };
    const found = trigger ? await this.vouch(gating, trigger) : await this.newestQualifying(gating);
    if (!found) return { kind: 'none' };
    const { rev, vouchers, from } = found;
    const record: PackageRecord = { revision: rev, vouchers, at: this.now(), buildsetId: 0 };
    if (!(await this.store.tiers.claimPackage(record))) return { kind: 'none' };
    await this.start(pkg, record, from);
    const line: TierLine = { id: `resumed:${rev}`, text: `packages resumed at ${showRev(rev)}`, at: this.now() };
    const resumed = await this.store.tiers.resumePackages(line);
    return { kind: 'packaged', record, resumed, ...(resumed ? { line } : {}) };
  }

  /** The package BuildSet of a claimed revision, stored with the record that names it (one write). */
  private async start(pkg: string, record: PackageRecord, from: Build): Promise<void> {
    const { patch: _patch, ...stamp } = from.sourcestamp;
    const config = this.config();
    const { buildset } = await this.store.createBuildSet({
      reason: `packages for ${showRev(record.revision)}: every supported builder passed (${record.vouchers.join(', ')})`,
      scheduler: 'packages',
      sourcestamp: { ...stamp, revision: record.revision },
      builders: [pkg],
      properties: {
        ...config.properties,
        packaged_revision: record.revision,
        ...(config.packages?.dir ? { package_dir: config.packages.dir } : {}),
      },
      priority: 0,
      collapse: false,
      also: this.store.tiers.startedPackageIn(record),
    });
    record.buildsetId = buildset.id;
  }

  /**
   * Packages a leader claimed and died before making their BuildSet (the claim and the BuildSet are
   * two writes): made now, once (a new leader calls this as it starts; its writes are fenced).
   * Returns the records started.
   */
  async startUnstarted(): Promise<PackageRecord[]> {
    const pkg = this.builder;
    if (!pkg) return [];
    const started: PackageRecord[] = [];
    for (const record of await this.store.tiers.unstartedPackages()) {
      const [name, number] = (record.vouchers[0] ?? '').split('#');
      const from = name && number ? await this.store.buildByNumber(name, Number(number)) : null;
      if (!from) continue;
      await this.start(pkg, record, from);
      started.push(record);
    }
    return started;
  }

  /** The revision `trigger` tested, if every gating builder passed it (and it is not a try build). */
  private async vouch(gating: string[], trigger: Build): Promise<{ rev: string; vouchers: string[]; from: Build } | null> {
    if (trigger.builder === this.builder || trigger.sourcestamp.patch) return null;
    const rev = testedRevision(trigger);
    if (!rev) return null;
    const builds = new Map(await Promise.all(gating.map(async (name) => [name, await finishedBuilds(this.store, name)] as const)));
    return this.vouchFor(gating, builds, rev, trigger);
  }

  private vouchFor(gating: string[], builds: Map<string, Build[]>, rev: string, from: Build) {
    const vouchers: string[] = [];
    for (const name of gating) {
      const good = builds.get(name)!.find((b) => testedRevision(b) === rev && isGood(b.result!));
      if (!good) return null;
      vouchers.push(`${name}#${good.number}`);
    }
    return { rev, vouchers, from };
  }

  /**
   * The newest revision among the gating builders' recent builds that every one of them passed;
   * null when none did, or when it or a newer revision (built after it) is already packaged.
   */
  private async newestQualifying(gating: string[]): Promise<{ rev: string; vouchers: string[]; from: Build } | null> {
    const builds = new Map(await Promise.all(gating.map(async (name) => [name, await finishedBuilds(this.store, name)] as const)));
    // Candidates newest first: by when the revision was first asked for, then by when it finished.
    const seen = new Map<string, Build>();
    for (const list of builds.values()) {
      for (const b of list) {
        const rev = testedRevision(b);
        if (!rev || !isGood(b.result!)) continue;
        const had = seen.get(rev);
        if (!had || (b.finishedAt ?? 0) > (had.finishedAt ?? 0)) seen.set(rev, b);
      }
    }
    const order = [...seen].sort((a, b) => (b[1].finishedAt ?? 0) - (a[1].finishedAt ?? 0));
    for (const [rev, from] of order) {
      if (await this.store.tiers.hasPackage(rev)) return null;
      const v = this.vouchFor(gating, builds, rev, from);
      if (v) return v;
    }
    return null;
  }

  /** Notes how the package build of a revision ended. */
  async packageFinished(build: Build): Promise<PackageRecord | null> {
    const rev = build.properties.packaged_revision;
    if (typeof rev !== 'string') return null;
    const record = await this.store.tiers.getPackage(rev);
    // Only the gate's own buildset makes the package: a forced build given the same property does not.
    if (!record || record.buildsetId !== build.buildsetId) return null;
    record.build = { number: build.number, result: build.result ?? 'EXCEPTION', ...(build.finishedAt !== undefined ? { finishedAt: build.finishedAt } : {}) };
    await this.store.tiers.putPackage(record);
    return record;
  }

  /** The last `n` packages started, newest first. */
  async list(n: number): Promise<PackageRecord[]> {
    return this.store.tiers.recentPackages(n);
  }
}
