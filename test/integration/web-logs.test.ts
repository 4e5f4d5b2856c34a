import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { countLines, logWindow } from '../../src/web/log-view.js';
import { buildPage } from '../../src/web/build-page.js';
import { logPage } from '../../src/web/log-page.js';
import type { MasterConfig } from '../../src/config/schema.js';
import { HistoryWriter } from '../harness/history.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';

/** Log windows over a real store: lines across chunks, paging, search, and where live text continues. */
describe('web: log windows', () => {
  let redis: Redis | undefined;
  let prefix = '';
  let url = '';
  afterEach(async () => {
    await redis?.quit();
    if (url) await deletePrefix(url, prefix);
  });

  it('joins lines split across chunks, pages by line number, searches, and says where live text continues', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('weblogs');
    redis = new Redis(url);
    const store = new Store(redis, prefix);
    const b = await new HistoryWriter(store, { chunks: 0, tests: 0 }).build('linux', false);
    const log = (stream: 'stdout' | 'stderr', text: string) => ({ type: 'log' as const, step: 0, stream, text });
    // Lines: "one", "two-and-a-half" (split over three chunks), "three" (stderr), then an open "fou".
    await store.applyBuildEvents(b.id, b.token, [log('stdout', 'one\ntwo'), log('stdout', '-and'), log('stdout', '-a-half\n'), log('stderr', 'three\nfou')]);

    const all = await logWindow(store, b.id, 0, 1, 100);
    expect(all.lines.map((l) => [l.n, l.text, l.err])).toEqual([
      [1, 'one', false],
      [2, 'two-and-a-half', false],
      [3, 'three', true],
      [4, 'fou', true],
    ]);
    // The open line is line 4; live text continues it, after the 4 chunks read.
    expect(all).toMatchObject({ more: false, chunk: 4, line: 4 });
    expect(await countLines(store, b.id, 0)).toBe(4);

    const page = await logWindow(store, b.id, 0, 2, 2);
    expect(page.lines.map((l) => l.n)).toEqual([2, 3]);
    expect(page.more).toBe(true);
    const found = await logWindow(store, b.id, 0, 1, 100, 'HALF');
    expect(found.lines.map((l) => l.n)).toEqual([2]);

    await store.applyBuildEvents(b.id, b.token, [log('stderr', 'r\n')]);
    const done = await logWindow(store, b.id, 0, 1, 100);
    expect(done.lines.at(-1)).toMatchObject({ n: 4, text: 'four' });
    expect(done).toMatchObject({ more: false, chunk: 5, line: 5 });
  });

  it('reads a long log a page of chunks at a time: the first screen of 20,000 lines does not need the rest', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('weblogs');
    redis = new Redis(url);
    const store = new Store(redis, prefix);
    const b = await new HistoryWriter(store, { chunks: 0, tests: 0 }).build('linux', false);
    const events = Array.from({ length: 2000 }, (_, c) => ({
      type: 'log' as const, step: 0, stream: 'stdout' as const,
      text: Array.from({ length: 10 }, (_, i) => `line ${c * 10 + i + 1}\n`).join(''),
    }));
    await store.applyBuildEvents(b.id, b.token, events);
    const calls: number[] = [];
    const lrange = redis.lrange.bind(redis);
    redis.lrange = ((key: string, from: number, to: number) => {
      calls.push(to - from + 1);
      return lrange(key, from, to);
    }) as typeof redis.lrange;
    const first = await logWindow(store, b.id, 0, 1, 1000);
    expect(first.lines).toHaveLength(1000);
    expect(first.lines[999]!.text).toBe('line 1000');
    expect(first.more).toBe(true);
    expect(calls).toEqual([500]);
    const later = await logWindow(store, b.id, 0, 15001, 10);
    expect(later.lines.map((l) => l.text)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${15001 + i}`));
    expect(await countLines(store, b.id, 0)).toBe(20000);

    // Failed, the build page shows the end of the long log, where the failure is; the log page's last screen too.
    await store.applyBuildEvents(b.id, b.token, [{ type: 'step-finished', step: 0, result: 'FAILURE' }, { type: 'build-finished', result: 'FAILURE' }]);
    const ctx = { store, config: { title: 'logs' } as MasterConfig, now: Date.now };
    const page = (await buildPage(ctx, 'linux', b.number)).body;
    expect(page).toContain('compile: last 1000 lines');
    expect(page).toContain('id="s0L19001"');
    expect(page).toContain('id="s0L20000"');
    expect(page).not.toContain('id="s0L19000"');
    const last = (await logPage(ctx, 'linux', b.number, '0', new URLSearchParams('start=last'))).body;
    expect(last).toContain('id="L18001"');
    expect(last).toContain('id="L20000"');
    expect(last).not.toContain('id="L18000"');
  });
});
