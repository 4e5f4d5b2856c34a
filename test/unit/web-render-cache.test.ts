import { describe, expect, it } from 'vitest';
import { DataBus } from '../../src/data/events.js';
import { RenderCache, SharedRead } from '../../src/web/render-cache.js';
import type { Problem } from '../../src/model/problem.js';
import type { Build } from '../../src/model/build.js';

describe('web: the shared console render', () => {
  it('renders once for many viewers, again after a data event or when too old, and never keeps a render a change overtook', async () => {
    const bus = new DataBus();
    let t = 0;
    let renders = 0;
    let release: (() => void) | undefined;
    let hold = false;
    const cache = new RenderCache(
      bus,
      async () => {
        renders += 1;
        const n = renders;
        if (hold) await new Promise<void>((r) => (release = r));
        return { status: 200, type: 'html', body: `render ${n}` };
      },
      2000,
      () => t,
    );
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a.body, b.body, renders]).toEqual(['render 1', 'render 1', 1]);
    expect((await cache.get()).body).toBe('render 1');
    bus.emit('build.finished', {} as Build);
    expect((await cache.get()).body).toBe('render 2');
    t = 2500;
    expect((await cache.get()).body).toBe('render 3');

    // A change while a render runs: that render is answered but not kept.
    hold = true;
    bus.emit('build.new', {} as Build);
    const slow = cache.get();
    bus.emit('build.started', {} as Build);
    hold = false;
    release!();
    expect((await slow).body).toBe('render 4');
    expect((await cache.get()).body).toBe('render 5');
    expect((await cache.get()).body).toBe('render 5');
    cache.stop();
  });

  it("shares the console's other reads until one of its own events or a second passes; build events leave them be", async () => {
    const bus = new DataBus();
    let t = 0;
    let reads = 0;
    const side = new SharedRead(bus, async () => ++reads, 1000, () => t, ['problem.opened', 'executor.lost']);
    expect([await side.get(), await side.get()]).toEqual([1, 1]);
    bus.emit('build.finished', {} as Build);
    expect(await side.get()).toBe(1);
    bus.emit('problem.opened', {} as Problem);
    expect(await side.get()).toBe(2);
    t = 1500;
    expect(await side.get()).toBe(3);
    side.stop();
  });
});
