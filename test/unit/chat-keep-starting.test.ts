import { describe, expect, it, vi } from 'vitest';
import { keepStarting } from '../../src/chat/keep-starting.js';
import type { ChatTransport } from '../../src/chat/transport.js';
import { createLogger } from '../../src/log.js';

const log = createLogger('test', { level: 'silent' });

describe('keepStarting', () => {
  it('returns after the first failed start and retries until one works', async () => {
    let attempts = 0;
    let started!: () => void;
    const done = new Promise<void>((r) => (started = r));
    const transport = {
      kind: 'matrix',
      async start() {
        if (++attempts < 3) throw new Error('homeserver down');
        started();
      },
    } as unknown as ChatTransport;
    await keepStarting(transport, log, { initialMs: 5, maxMs: 20, jitter: 0 });
    expect(attempts).toBe(1);
    await done;
    expect(attempts).toBe(3);
  });

  it('stops retrying when cancelled', async () => {
    let attempts = 0;
    const failing = { kind: 'matrix', async start() { attempts++; throw new Error('no'); } } as unknown as ChatTransport;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const retry = await keepStarting(failing, log, { initialMs: 10, maxMs: 10, jitter: 0 });
      retry.cancel();
      // Five retry periods on the fake clock: none comes.
      await vi.advanceTimersByTimeAsync(50);
      expect(vi.getTimerCount()).toBe(0);
      expect(attempts).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
