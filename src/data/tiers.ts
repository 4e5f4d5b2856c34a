import type { PackageRecord, TierLine, TierOverride } from '../model/tier.js';

export type { TierLine };
import type { Db, Multi } from './db.js';
import type { HistoryIndex } from './history.js';

/** While packages are halted by a red supported builder. */
export interface PackagesHalt {
  builder: string;
  /** Every supported builder red while halted (older records name only `builder`). */
  builders?: string[];
  since?: number;
  revision?: string;
}


/** DEL the hand closure; only if there was one, HSET its line. */
const OPEN_TREE = `if redis.call('DEL', KEYS[1]) == 1 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) return 1 end return 0`;

/** An admin's closing of the tree. */
export interface TreeClosed {
  by: string;
  reason: string;
  at: number;
}

/**
 * Run-time tiers (db:tiers:override, db:tiers:suggested), packages (db:packages,
 * db:packages:made, db:packages:halted) and the tree (db:tree). src/tiers decides; this stores.
 */
export class TiersRepo {
  constructor(private readonly db: Db) {}

  // ---- overrides ----------------------------------------------------------------------------

  async overrides(): Promise<Map<string, TierOverride>> {
    const raw = await this.db.redis.hgetall(this.db.keys.tierOverrides);
    return new Map(Object.entries(raw).map(([builder, json]) => [builder, JSON.parse(json) as TierOverride]));
  }

  /** Stores a `demote`/`promote` record, with its line in the same write. */
  async setOverride(o: TierOverride, line?: TierLine): Promise<void> {
    await this.db.write((m) => {
      m.hset(this.db.keys.tierOverrides, o.builder, JSON.stringify(o));
      if (line) this.lineIn(m, line);
    });
  }

  /**
   * Drops a builder's override; true when this call removed it (so only one reader reports an
   * expiry). `line`: the expiry's, stored in the same write (an expiry read by two at once is one
   * line: its id names the demotion).
   */
  async clearOverride(builder: string, line?: TierLine): Promise<boolean> {
    return (
      Number(
        await this.db.write((m) => {
          m.hdel(this.db.keys.tierOverrides, builder);
          if (line) this.lineIn(m, line);
        }),
      ) === 1
    );
  }

  /** Records that a demotion was suggested for the red streak that began at `since`, with its line; false when it was already. */
  async noteSuggested(builder: string, since: number, line?: TierLine): Promise<boolean> {
    const key = this.db.keys.tierSuggested;
    if ((await this.db.redis.hget(key, builder)) === String(since)) return false;
    await this.db.write((m) => {
      m.hset(key, builder, String(since));
      if (line) this.lineIn(m, line);
    });
    return true;
  }

  // ---- lines to say -------------------------------------------------------------------------

  private lineIn(m: Multi, line: TierLine): void {
    m.hset(this.db.keys.tierLines, line.id, JSON.stringify(line));
  }

  /** Lines stored and not yet said, oldest first. */
  async lines(): Promise<TierLine[]> {
    return (await this.db.redis.hvals(this.db.keys.tierLines)).map((r) => JSON.parse(r) as TierLine).sort((a, b) => a.at - b.at);
  }

  async hasLine(id: string): Promise<boolean> {
    return (await this.db.redis.hexists(this.db.keys.tierLines, id)) === 1;
  }

  /** The line is in the outbox (fenced). */
  async lineSaid(id: string): Promise<void> {
    await this.db.write((m) => m.hdel(this.db.keys.tierLines, id));
  }

  // ---- packages -----------------------------------------------------------------------------

  async packagesHalt(): Promise<PackagesHalt | null> {
    return this.db.getJson<PackagesHalt>(this.db.keys.packagesHalted);
  }

  /**
   * Halts packages (`replace`: over an earlier halt) with the line that says so; true when this
   * call wrote it (announce once). One gate decides at a time (the leader's), so the line goes
   * with the halt.
   */
  async haltPackages(halt: PackagesHalt, replace: boolean, line?: TierLine): Promise<boolean> {
    const key = this.db.keys.packagesHalted;
    return (
      (await this.db.write((m) => {
        if (replace) m.set(key, JSON.stringify(halt));
        else m.set(key, JSON.stringify(halt), 'NX');
        if (line) this.lineIn(m, line);
      })) === 'OK'
    );
  }

  async hasPackage(revision: string): Promise<boolean> {
    return (await this.db.redis.hexists(this.db.keys.packagesMade, revision)) === 1;
  }

  /** Resumes packages, with the line that says so when they were halted; true when they were. */
  async resumePackages(line?: TierLine): Promise<boolean> {
    if (line && !(await this.packagesHalt())) return false;
    return (
      Number(
        await this.db.write((m) => {
          m.del(this.db.keys.packagesHalted);
          if (line) this.lineIn(m, line);
        }),
      ) === 1
    );
  }

  /** Claims the package of a revision; false when one was made for it already (one per revision). */
  async claimPackage(record: PackageRecord): Promise<boolean> {
    return Number(await this.db.write((m) => m.hsetnx(this.db.keys.packagesMade, record.revision, JSON.stringify(record)))) === 1;
  }

  /** Records the package BuildSet of a claimed revision and lists it, newest first. */
  async startedPackage(record: PackageRecord): Promise<void> {
    const m = this.db.multi();
    this.startedPackageIn(record)(m, record.buildsetId);
    await m.exec();
  }

  /**
   * The same writes as `startedPackage`, for the package's BuildSet transaction (NewBuildSet.also):
   * the BuildSet and the record naming it are stored together, so a claimed package without a
   * BuildSet id never has one (the leader died in between; see `unstartedPackages`).
   */
  startedPackageIn(record: PackageRecord): (m: Multi, buildsetId: number) => void {
    return (m, buildsetId) => {
      m.hset(this.db.keys.packagesMade, record.revision, JSON.stringify({ ...record, buildsetId }));
      m.lpush(this.db.keys.packages, record.revision);
    };
  }

  /** Packages claimed whose BuildSet was never made (a leader died between the claim and the BuildSet). */
  async unstartedPackages(): Promise<PackageRecord[]> {
    return (await this.allPackages()).filter((r) => !r.buildsetId);
  }

  async getPackage(revision: string): Promise<PackageRecord | null> {
    const json = await this.db.redis.hget(this.db.keys.packagesMade, revision);
    return json ? (JSON.parse(json) as PackageRecord) : null;
  }

  async putPackage(record: PackageRecord): Promise<void> {
    await this.db.write((m) => m.hset(this.db.keys.packagesMade, record.revision, JSON.stringify(record)));
  }

  /** The last `n` packages started, newest first. */
  async recentPackages(n: number): Promise<PackageRecord[]> {
    const revs = await this.db.redis.lrange(this.db.keys.packages, 0, Math.max(0, n - 1));
    if (!revs.length) return [];
    const rows = await this.db.redis.hmget(this.db.keys.packagesMade, ...revs);
    return rows.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as PackageRecord);
  }

  /** Every package record (retention keeps what they name). */
  async allPackages(): Promise<PackageRecord[]> {
    return (await this.db.redis.hvals(this.db.keys.packagesMade)).map((r) => JSON.parse(r) as PackageRecord);
  }

  /** The packages list (revisions), oldest first, as retention walks it. */
  packageHistory(): HistoryIndex<string> {
    const key = this.db.keys.packages;
    return {
      count: () => this.db.redis.llen(key),
      // The list is newest first: the oldest entries are at its tail.
      slice: async (offset, n) => (n > 0 ? (await this.db.redis.lrange(key, -(offset + n), -(offset + 1))).reverse() : []),
      unindex: (m, revision) => void m.lrem(key, -1, revision),
    };
  }

  /** The package records of `revisions`, in order, null where there is none. */
  async packageSlots(revisions: string[]): Promise<Array<PackageRecord | null>> {
    if (!revisions.length) return [];
    return (await this.db.redis.hmget(this.db.keys.packagesMade, ...revisions)).map((r) => (r ? (JSON.parse(r) as PackageRecord) : null));
  }

  /** Deletes a package's record (retention; its list entry goes through `packageHistory`). Returns the keys deleted (none: a hash field). */
  dropPackage(m: Multi, revision: string): number {
    m.hdel(this.db.keys.packagesMade, revision);
    return 0;
  }

  // ---- tree ---------------------------------------------------------------------------------

  async treeClosed(): Promise<TreeClosed | null> {
    return this.db.getJson<TreeClosed>(this.db.keys.tree);
  }

  /** Closes the tree, with the line that says so in the same write. */
  async closeTree(c: TreeClosed, line?: TierLine): Promise<void> {
    await this.db.write((m) => {
      m.set(this.db.keys.tree, JSON.stringify(c));
      if (line) this.lineIn(m, line);
    });
  }

  /**
   * Lifts the hand closure; false when no admin had closed it. `line` (what the opening says) is
   * stored in the same write, and only when this call lifted a closure.
   */
  async openTree(line?: TierLine): Promise<boolean> {
    if (!line) return Number(await this.db.write((m) => m.del(this.db.keys.tree))) === 1;
    return Number(await this.db.script(OPEN_TREE, [this.db.keys.tree, this.db.keys.tierLines], [line.id, JSON.stringify(line)])) === 1;
  }
}
