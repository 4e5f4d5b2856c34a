import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../../src/chat/irc/backoff.js';
import { alternativeNick } from '../../src/chat/irc/nick-fallback.js';
import { SendQueue } from '../../src/chat/irc/send-queue.js';
import { Supervisor, type SessionEnd } from '../../src/chat/irc/supervisor.js';
import { TokenBucket } from '../../src/chat/irc/token-bucket.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('TokenBucket', () => {
  it('lets a burst through, then one per interval', () => {
    let now = 0;
    const bucket = new TokenBucket(4, 700, () => now);
    for (let i = 0; i < 4; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    expect(bucket.delay()).toBe(700);
    now = 350;
    expect(bucket.delay()).toBe(350);
    now = 700;
    expect(bucket.take()).toBe(true);
    now = 100_000;
    for (let i = 0; i < 4; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });
});

describe('SendQueue', () => {
  it('paces lines, puts control lines first, and holds lines while detached', async () => {
    vi.useFakeTimers();
    const written: Array<[number, string]> = [];
    const queue = new SendQueue(new TokenBucket(2, 1000, () => Date.now()), 100);
    const start = Date.now();
    const reply = queue.enqueue(['m1', 'm2', 'm3', 'm4']);
    queue.attach((line) => written.push([Date.now() - start, line]));
    expect(written.map(([, l]) => l)).toEqual(['m1', 'm2']);
    void queue.enqueue(['JOIN #x'], 'control');
    await vi.advanceTimersByTimeAsync(1000);
    expect(written.map(([, l]) => l)).toEqual(['m1', 'm2', 'JOIN #x']);
    queue.detach();
    await vi.advanceTimersByTimeAsync(5000);
    expect(written).toHaveLength(3);
    queue.attach((line) => written.push([Date.now() - start, line]));
    await reply;
    expect(written.map(([, l]) => l)).toEqual(['m1', 'm2', 'JOIN #x', 'm3', 'm4']);
  });

  it('refuses lines beyond its limit and fails waiting sends when cleared', async () => {
    const queue = new SendQueue(new TokenBucket(1, 1000), 3);
    await expect(queue.enqueue(['a', 'b', 'c', 'd'])).rejects.toThrow(/queue full/);
    const waiting = queue.enqueue(['a']);
    queue.clear(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
});

describe('reconnect pacing', () => {
  it('doubles from the first delay up to the cap, less a random part', () => {
    const o = { initialMs: 1000, maxMs: 300_000, jitter: 0.5 };
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, o, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelay(30, o, () => 0)).toBe(300_000);
    expect(backoffDelay(2, o, () => 1)).toBe(1000);
  });

  it('runs sessions forever with growing delays, resetting after a stable one', async () => {
    vi.useFakeTimers();
    const ends: SessionEnd[] = [{ reason: 'refused', registeredMs: 0 }, { reason: 'refused', registeredMs: 0 }, { reason: 'killed', registeredMs: 120_000 }];
    const delays: number[] = [];
    let sessions = 0;
    const sup = new Supervisor({
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
      stableAfterMs: 60_000,
      random: () => 0,
      session: async () => ends[sessions++] ?? new Promise<SessionEnd>(() => {}),
      reconnecting: (_attempt, delay) => delays.push(delay),
    });
    sup.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(delays).toEqual([100, 200, 100]);
    expect(sessions).toBe(4);
  });
});

describe('alternativeNick', () => {
  it('tries nick_, nick__, then digits, within NICKLEN', () => {
    expect(alternativeNick('bb', 0)).toBe('bb');
    expect(alternativeNick('bb', 1)).toBe('bb_');
    expect(alternativeNick('bb', 2)).toBe('bb__');
    expect(alternativeNick('bb', 3, 30, () => 0.042)).toBe('bb042');
    expect(alternativeNick('abcdefghi', 1, 9)).toBe('abcdefgh_');
  });
});
