import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataBus } from '../../src/data/events.js';
import { LiveHub } from '../../src/web/live-hub.js';
import type { Build } from '../../src/model/build.js';

describe('web: the live hub', () => {
  afterEach(() => vi.useRealTimers());

  it('feeds every open stream from one subscription: page refreshes coalesced to one a second, build events to that build only', () => {
    vi.useFakeTimers();
    const bus = new DataBus();
    const hub = new LiveHub(bus, 3);
    const refreshed: string[] = [];
    const offA = hub.addPage(() => refreshed.push('a'));
    hub.addPage(() => refreshed.push('b'));
    const seen: string[] = [];
    hub.addBuild(7, { log: (s) => seen.push(`log ${s}`), step: (_b, s) => seen.push(`step ${s}`), finished: (b) => seen.push(`end ${b.result}`) });
    expect(hub.open).toBe(3);
    expect(hub.full).toBe(true);

    const b7 = { id: 7, result: 'SUCCESS' } as Build;
    bus.emit('build.log', b7, 1, 'x');
    bus.emit('build.log', { id: 8 } as Build, 1, 'y');
    bus.emit('build.step', b7, 2);
    bus.emit('build.finished', b7);
    expect(seen).toEqual(['log 1', 'step 2', 'end SUCCESS']);
    expect(refreshed).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(refreshed).toEqual(['a', 'b']);

    offA();
    bus.emit('executor.lost', {} as never, 'gone');
    vi.advanceTimersByTime(1000);
    expect(refreshed).toEqual(['a', 'b', 'b']);
    expect(hub.open).toBe(2);
    hub.stop();
    bus.emit('problem.opened', {} as never);
    vi.advanceTimersByTime(1000);
    expect(refreshed).toHaveLength(3);
  });
});
