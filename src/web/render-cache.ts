import type { DataBus } from '../data/events.js';
import type { PageReply } from './context.js';
import { PAGE_EVENTS as STALE_ON } from './live-hub.js';

/**
 * One rendered page shared by every viewer until the data changes (or `maxAgeMs` passes): an open
 * console refetches itself after each change, so many viewers would otherwise each render it.
 * A render that started before a change is not kept (a generation count), and renders running at
 * the same time are one.
 */
export class RenderCache {
  private gen = 0;
  private entry?: { gen: number; at: number; reply: PageReply };
  private inflight?: { gen: number; promise: Promise<PageReply> };
  private readonly offs: Array<() => void> = [];

  constructor(
    bus: DataBus,
    private readonly render: () => Promise<PageReply>,
    private readonly maxAgeMs = 2000,
    private readonly now: () => number = Date.now,
  ) {
    for (const e of STALE_ON) this.offs.push(bus.on(e, () => (this.gen += 1)));
  }

  async get(): Promise<PageReply> {
    const e = this.entry;
    if (e && e.gen === this.gen && this.now() - e.at < this.maxAgeMs) return e.reply;
    if (this.inflight?.gen === this.gen) return this.inflight.promise;
    const gen = this.gen;
    const at = this.now();
    const promise = this.render().then((reply) => {
      if (reply.status === 200 && gen === this.gen) this.entry = { gen, at, reply };
      return reply;
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
