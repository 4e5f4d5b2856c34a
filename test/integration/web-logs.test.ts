import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { countLines, logWindow } from '../../src/web/log-view.js';
import { buildPage } from '../../src/web/build-page.js';
import { logPage, PAGE_LINES } from '../../src/web/log-page.js';
import { LOG_READ_BYTES, LOG_TRUNCATED, MAX_LOG_CHUNKS } from '../../src/data/logs.js';
import { MAX_LOG_TEXT } from '../../executor/events.js';
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
    const r = (redis = new Redis(url));
    const store = new Store(r, prefix);
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
    const r = (redis = new Redis(url));
    const store = new Store(r, prefix);
    const b = await new HistoryWriter(store, { chunks: 0, tests: 0 }).build('linux', false);
    const events = Array.from({ length: 2000 }, (_, c) => ({
      type: 'log' as const, step: 0, stream: 'stdout' as const,
      text: Array.from({ length: 10 }, (_, i) => `line ${c * 10 + i + 1}\n`).join(''),
    }));
    await store.applyBuildEvents(b.id, b.token, events);
    const calls: number[] = [];
    const evalFn = r.eval.bind(r);
    r.eval = (async (...args: Parameters<typeof r.eval>) => {
      const reply = (await evalFn(...args)) as unknown[];
      calls.push(reply.length - 1);
      return reply;
    }) as typeof r.eval;
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
  it('keeps the head of a runaway step\'s log and ends it with a notice that the rest was dropped', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('weblogs');
    const r = (redis = new Redis(url));
    const store = new Store(r, prefix);
    const b = await new HistoryWriter(store, { chunks: 0, tests: 0 }).build('linux', false);
    const chunk = (n: number) => ({ type: 'log' as const, step: 0, stream: 'stdout' as const, text: `chunk ${n}\n` });
    const over = MAX_LOG_CHUNKS + 25;
    for (let from = 0; from < over; from += 5000) {
      await store.applyBuildEvents(b.id, b.token, Array.from({ length: Math.min(5000, over - from) }, (_, i) => chunk(from + i + 1)));
    }
    // A second push past the cap keeps the same head and the one notice at the end.
    await store.applyBuildEvents(b.id, b.token, [chunk(over + 1)]);
    const { chunks } = await store.readLog(b.id, 0);
    expect(chunks).toHaveLength(MAX_LOG_CHUNKS);
    expect(chunks[0]!.text).toBe('chunk 1\n');
    expect(chunks[MAX_LOG_CHUNKS - 2]!.text).toBe(`chunk ${MAX_LOG_CHUNKS - 1}\n`);
    expect(`${chunks.at(-1)!.stream}\t${chunks.at(-1)!.text}`).toBe(LOG_TRUNCATED);
    expect(chunks.at(-1)!.text).toContain('the rest was dropped');
  });
  it('opens the first screen of a 200,000-line log without reading the log: small chunks or 64 KB ones', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('weblogs');
    const r = (redis = new Redis(url));
    const store = new Store(r, prefix);
    const writer = new HistoryWriter(store, { chunks: 0, tests: 0 });
    const line = (n: number) => `line ${n} of a long log ${'x'.repeat(60)}\n`;
    // Step 0: 200,000 lines in chunks of 100 lines; step 1: the same in 64 KB chunks (an executor's flood).
    const b = await writer.build('linux', false);
    const lines = Array.from({ length: 200_000 }, (_, i) => line(i + 1));
    const all = lines.join('');
    const small = Array.from({ length: 2000 }, (_, c) => lines.slice(c * 100, c * 100 + 100).join(''));
    const big: string[] = [];
    for (let i = 0; i < all.length; i += MAX_LOG_TEXT) big.push(all.slice(i, i + MAX_LOG_TEXT));
    for (const [step, chunks] of [[0, small], [1, big]] as const) {
      for (let i = 0; i < chunks.length; i += 200) {
        await store.applyBuildEvents(b.id, b.token, chunks.slice(i, i + 200).map((text) => ({ type: 'log' as const, step, stream: 'stdout' as const, text })));
      }
    }
    let bytes = 0;
    const evalFn = r.eval.bind(r);
    r.eval = (async (...args: Parameters<typeof r.eval>) => {
      const reply = (await evalFn(...args)) as unknown[];
      for (const r of reply.slice(1)) bytes += String(r).length;
      return reply;
    }) as typeof r.eval;
    const ctx = { store, config: { title: 'logs' } as MasterConfig, now: Date.now };
    for (const step of ['0', '1']) {
      bytes = 0;
      const page = (await logPage(ctx, 'linux', b.number, step, new URLSearchParams())).body;
      expect(page).toContain('id="L1"');
      expect(page).toContain(`id="L${PAGE_LINES}"`);
      expect(page).not.toContain(`id="L${PAGE_LINES + 1}"`);
      expect(page).toContain('next 2000 lines');
      // The log is 16 MB; its first screen read well under a megabyte of it from Redis.
      expect(all.length).toBeGreaterThan(16_000_000);
      expect(bytes).toBeGreaterThan(PAGE_LINES * 80);
      expect(bytes).toBeLessThan(LOG_READ_BYTES + MAX_LOG_TEXT + 100);
    }
    // The whole log still reads back whole, a page at a time.
    expect(await countLines(store, b.id, 1)).toBe(200_000);
    const tail = await logWindow(store, b.id, 1, 199_999, 10);
    expect(tail.lines.map((l) => l.n)).toEqual([199_999, 200_000]);
    expect(tail.more).toBe(false);
  }, 60_000);
});
