import type { DataBus, DataEvents } from '../data/events.js';
import type { PageReply } from './context.js';
import { PAGE_EVENTS as STALE_ON } from './live-hub.js';

/**
 * One read shared by every caller until a data event says it changed (or `maxAgeMs` passes). A
 * read that started before a change is not kept (a generation count), and reads running at the
 * same time are one.
 */
export class SharedRead<T> {
  private gen = 0;
  private entry?: { gen: number; at: number; value: T };
  private inflight?: { gen: number; promise: Promise<T> };
  private readonly offs: Array<() => void> = [];

  constructor(
    bus: DataBus,
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
    staleOn: ReadonlyArray<keyof DataEvents> = STALE_ON,
    private readonly keep: (value: T) => boolean = () => true,
  ) {
    for (const e of staleOn) this.offs.push(bus.on(e, () => (this.gen += 1)));
  }

  async get(): Promise<T> {
    const e = this.entry;
    if (e && e.gen === this.gen && this.now() - e.at < this.maxAgeMs) return e.value;
    if (this.inflight?.gen === this.gen) return this.inflight.promise;
    const gen = this.gen;
    const at = this.now();
    const promise = this.read().then((value) => {
      if (this.keep(value) && gen === this.gen) this.entry = { gen, at, value };
      return value;
    });
    this.inflight = { gen, promise };
    try {
      return await promise;
    } finally {
      if (this.inflight?.promise === promise) this.inflight = undefined;
    }
  }

  stop(): void {
    for (const o of this.offs) o();
  }
}

/**
 * One rendered page shared by every viewer until the data changes (or `maxAgeMs` passes): an open
 * console refetches itself after each change, so many viewers would otherwise each render it.
 */
export class RenderCache extends SharedRead<PageReply> {
  constructor(bus: DataBus, render: () => Promise<PageReply>, maxAgeMs = 2000, now: () => number = Date.now) {
    super(bus, render, maxAgeMs, now, STALE_ON, (reply) => reply.status === 200);
  }
}
