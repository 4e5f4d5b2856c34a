import type { Store } from '../data/store.js';
import { testedRevision, type Build, type BuildState } from '../model/build.js';
import type { Result } from '../model/results.js';

/** What the console shows of a build: enough for a cell or a tile, not the whole record. */
export interface BuildCell {
  builder: string;
  number: number;
  state: BuildState;
  result?: Result;
  dispatchedAt: number;
  /** The revision it tested (`got_revision`, else the one asked for); absent: the branch tip. */
  revision?: string;
}

export function cellOf(b: Build): BuildCell {
  const revision = testedRevision(b);
  return { builder: b.builder, number: b.number, state: b.state, ...(b.result ? { result: b.result } : {}), dispatchedAt: b.dispatchedAt, ...(revision ? { revision } : {}) };
}

const RANK: Record<BuildState, number> = { dispatched: 0, running: 1, finished: 2 };
const EVENTS = ['build.new', 'build.started', 'build.step', 'build.finished'] as const;

/** How old the builds may be on a master that does not write them (a standby): read again then. */
const UNFOLLOWED_MS = 2000;

/**
 * The newest builds of every builder, kept in memory for the console: read from Redis once (one
 * round trip for all builders), then kept up to date from the write path's build events, so a
 * render of `/` reads no build records. Read again in the background when older than `resyncMs`
 * (anything the events missed is mended then), and at once when the builders or depth change.
 * Events follow builds only in the process that writes them (`follows`: the leading master); a
 * standby's console reads them again when they are older than 2 s, as its rendered page would be,
 * and once more when it starts to lead.
 */
export class ConsoleModel {
  private lists = new Map<string, BuildCell[]>();
  private k = 0;
  private loadedAt = -Infinity;
  /** Whether the last read was made while following the events (builds missed before it are in it). */
  private followed = false;
  private loading?: { key: string; promise: Promise<void> };
  /** Builds seen while a read runs: applied again on top of what it read. */
  private during?: Build[];
  private readonly offs: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly opts: { follows?: () => boolean; resyncMs?: number; now?: () => number } = {},
  ) {
    for (const e of EVENTS) this.offs.push(store.bus.on(e, (...args: [Build] | [Build, number]) => this.apply(args[0])));
  }

  /** The newest `k` builds of each builder, newest first. */
  async latest(builders: string[], k: number): Promise<Map<string, BuildCell[]>> {
    const follows = this.opts.follows?.() ?? true;
    const age = (this.opts.now ?? Date.now)() - this.loadedAt;
    if (k !== this.k || builders.some((b) => !this.lists.has(b)) || (follows ? !this.followed : age > UNFOLLOWED_MS)) await this.load(builders, k);
    else if (age > (this.opts.resyncMs ?? 60_000)) this.load(builders, k).catch(() => undefined);
    return new Map(builders.map((b) => [b, this.lists.get(b) ?? []]));
  }

  stop(): void {
    for (const o of this.offs) o();
  }

  private load(builders: string[], k: number): Promise<void> {
    const key = `${k}\n${builders.join('\n')}`;
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.read(builders, k).finally(() => {
      if (this.loading?.promise === promise) this.loading = undefined;
    });
    this.loading = { key, promise };
    return promise;
  }

  private async read(builders: string[], k: number): Promise<void> {
    const at = (this.opts.now ?? Date.now)();
    const follows = this.opts.follows?.() ?? true;
    const seen: Build[] = [];
    this.during = seen;
    try {
      const raw = await this.store.builds.latestOf(builders, k);
      const lists = new Map<string, BuildCell[]>();
      for (const [b, list] of raw) lists.set(b, list.map(cellOf));
      for (const b of seen) put(lists, cellOf(b), k);
      this.lists = lists;
      this.k = k;
      this.loadedAt = at;
      this.followed = follows;
    } finally {
      if (this.during === seen) this.during = undefined;
    }
  }

  private apply(b: Build): void {
    this.during?.push(b);
    if (this.k) put(this.lists, cellOf(b), this.k);
  }
}

/** Puts a build into its builder's list (newest first, at most k): a later state replaces an earlier one. */
function put(lists: Map<string, BuildCell[]>, c: BuildCell, k: number): void {
  const list = lists.get(c.builder);
  if (!list) return;
  const i = list.findIndex((x) => x.number <= c.number);
  if (i >= 0 && list[i]!.number === c.number) {
    if (RANK[c.state] >= RANK[list[i]!.state]) list[i] = c;
    return;
  }
  if (i < 0) {
    if (list.length < k) list.push(c);
    return;
  }
  list.splice(i, 0, c);
  if (list.length > k) list.length = k;
}
