import type { DataBus } from '../data/events.js';
import type { Build } from '../model/build.js';

/** The data events after which an open console, builder or Problems page fetches itself again. */
export const PAGE_EVENTS = ['build.new', 'build.started', 'build.step', 'build.finished', 'executor.connected', 'executor.lost', 'problem.opened', 'problem.resolved', 'problem.changed', 'problem.flaky', 'request.pending'] as const;

/** One open build page's stream. */
export interface BuildWatcher {
  log(step: number): void;
  step(b: Build, step: number): void;
  finished(b: Build): void;
}

/**
 * Every open live stream of this master, fed by one subscription per data event however many
 * pages are open: build events go to the streams of that build only; page refreshes go out at most
 * once a second, to all page streams at once.
 */
export class LiveHub {
  private readonly pages = new Set<() => void>();
  private readonly builds = new Map<number, Set<BuildWatcher>>();
  private readonly offs: Array<() => void> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    bus: DataBus,
    /** Most streams open at once; more are refused (503). */
    readonly max = 1000,
  ) {
    for (const e of PAGE_EVENTS) this.offs.push(bus.on(e, () => this.changed()));
    this.offs.push(
      bus.on('build.log', (b, step) => this.builds.get(b.id)?.forEach((w) => w.log(step))),
      bus.on('build.step', (b, step) => this.builds.get(b.id)?.forEach((w) => w.step(b, step))),
      bus.on('build.finished', (b) => this.builds.get(b.id)?.forEach((w) => w.finished(b))),
    );
  }

  get open(): number {
    let n = this.pages.size;
    for (const s of this.builds.values()) n += s.size;
    return n;
  }

  get full(): boolean {
    return this.open >= this.max;
  }

  /** `refresh` is called after data changes (at most once a second); returns the unsubscribe. */
  addPage(refresh: () => void): () => void {
    this.pages.add(refresh);
    return () => this.pages.delete(refresh);
  }

  addBuild(buildId: number, w: BuildWatcher): () => void {
    const set = this.builds.get(buildId) ?? this.builds.set(buildId, new Set()).get(buildId)!;
    set.add(w);
    return () => {
      set.delete(w);
      if (!set.size) this.builds.delete(buildId);
    };
  }

  private changed(): void {
    if (!this.pages.size) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const f of this.pages) f();
    }, 1000);
  }

  stop(): void {
    for (const o of this.offs) o();
    if (this.timer) clearTimeout(this.timer);
  }
}
