import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventSender, MAX_LOG_TEXT, type MessageSink } from '../../executor/events.js';
import { createLogger } from '../../src/log.js';
import { executorMessagePayloadSchema, type ExecutorMessagePayload } from '../../src/queue/jobs.js';
import { verify } from '../../src/queue/signing.js';

/** Stands in for the event stream: records what would be appended (the batching logic is what is tested). */
function recorder(failFirst = 0) {
  const sent: Array<{ data: { payload: ExecutorMessagePayload; sig: string } }> = [];
  let failures = failFirst;
  const queue: MessageSink = {
    async send(data) {
      if (failures-- > 0) throw new Error('redis down');
      sent.push({ data: structuredClone(data) });
      return {};
    },
  };
  return { queue, sent };
}

/** Moves the fake timers on, a millisecond at a time, until `cond` holds (what is sent comes from the sender's own timers). */
async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 120_000) throw new Error('condition not met within two minutes of fake time');
    await vi.advanceTimersByTimeAsync(1);
  }
}

const ref = { buildId: 1, token: 't'.repeat(16) };
const opts = { executor: 'ex1', secret: 'sec', session: 'session-1', log: createLogger('test', { level: 'silent' }), flushMs: 20 };

describe('executor event batching', () => {
  // The sender's windows run on timers and performance.now: the test moves both, nothing sleeps.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('batches events into signed, ordered messages and joins log chunks', async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, opts);
    s.push({ type: 'build-started', ...ref });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'a\n' });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'b\n' });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stderr', text: 'c\n' });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'd\n' });
    await vi.advanceTimersByTimeAsync(60);
    expect(sent).toHaveLength(1);
    const msg = sent[0]!;
    expect(verify(msg.data.payload, msg.data.sig, 'sec')).toBe(true);
    const payload = executorMessagePayloadSchema.parse(msg.data.payload);
    expect(payload).toMatchObject({ v: 1, executor: 'ex1', session: 'session-1', seq: 0 });
    expect(payload.events.map((e) => (e.type === 'log' ? `${e.stream}:${e.text}` : e.type))).toEqual(['build-started', 'stdout:a\nb\n', 'stderr:c\n', 'stdout:d\n']);
    s.push({ type: 'heartbeat', running: [1] });
    await s.flush();
    expect(sent[1]?.data.payload.seq).toBe(1);
  });

  it("sends a build's start within its short window, not the batch window", async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, { ...opts, flushMs: 60_000, startFlushMs: 10, now: () => 0 });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'first\n' });
    await waitFor(() => sent.length === 1);
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'before\n' });
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toHaveLength(1);
    s.push({ type: 'build-started', ...ref, at: 1234 });
    await waitFor(() => sent.length === 2);
    expect(sent[1]!.data.payload.events.map((e) => e.type)).toEqual(['log', 'build-started']);
    expect(sent[1]!.data.payload.events[1]).toMatchObject({ type: 'build-started', at: 1234 });
    s.push({ type: 'step-started', ...ref, step: 0, name: 'compile' });
    await vi.advanceTimersByTimeAsync(30);
    expect(sent).toHaveLength(2);
  });

  it('sends the first output after a quiet spell at once and batches what follows within the window', async () => {
    const { queue, sent } = recorder();
    let clock = 0;
    // A long window on a clock the test moves: what is held stays held however slow the machine.
    const s = new EventSender(queue, { ...opts, flushMs: 60_000, now: () => clock });
    const line = (t: string) => s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: `${t}\n` });
    line('quiet');
    await waitFor(() => sent.length === 1);
    clock = 10;
    line('dense 1');
    line('dense 2');
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toHaveLength(1);
    await s.flush();
    expect(sent[1]!.data.payload.events).toMatchObject([{ type: 'log', text: 'dense 1\ndense 2\n' }]);
    // Quiet again (the window after the last message has passed): at once.
    clock = 100_000;
    line('after a pause');
    await waitFor(() => sent.length === 3);
    // A heavy message (a flood of output) doubles the next window.
    clock = 200_000;
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'x'.repeat(20_000) });
    await waitFor(() => sent.length === 4);
    clock = 200_000 + 90_000;
    line('after the flood');
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toHaveLength(4);
    await s.flush();
    expect(sent[4]!.data.payload.events).toMatchObject([{ type: 'log', text: 'after the flood\n' }]);
    expect(s.sent).toBe(5);
  });

  it("doubles the window once a step has sent 5,000 log chunks (its log's cap is 20,000)", async () => {
    const { queue, sent } = recorder();
    let clock = 0;
    const s = new EventSender(queue, { ...opts, flushMs: 60_000, now: () => clock });
    const line = (t: string) => s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: `${t}\n` });
    for (let i = 0; i < 5000; i++) {
      clock += 100_000;
      line(`line ${i}`);
      await s.flush();
    }
    expect(sent).toHaveLength(5000);
    clock += 90_000; // past the plain window, within the doubled one
    line('held');
    await vi.advanceTimersByTimeAsync(20);
    expect(sent).toHaveLength(5000);
    s.push({ type: 'build-finished', ...ref, result: 'SUCCESS' });
    await s.flush();
    // Another build's output after a quiet spell goes at once again.
    clock += 120_001;
    s.push({ type: 'log', buildId: 2, token: ref.token, step: 0, stream: 'stdout', text: 'next build\n' });
    await waitFor(() => sent.length === 5002);
  });

  it('sends what was held when the window ends', async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, { ...opts, flushMs: 30 });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'a\n' });
    await waitFor(() => sent.length === 1);
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'b\n' });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'c\n' });
    await waitFor(() => sent.length === 2);
    expect(sent.map((m) => m.data.payload.events.map((e) => (e.type === 'log' ? e.text : e.type)))).toEqual([['a\n'], ['b\nc\n']]);
  });

  it("sends a quick build's start and end in one message", async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, { ...opts, flushMs: 60_000, startFlushMs: 60_000 });
    s.push({ type: 'build-started', ...ref, at: 1 });
    s.push({ type: 'step-started', ...ref, step: 0, name: 'noop' });
    s.push({ type: 'log', ...ref, step: 0, stream: 'header', text: 'true\n' });
    s.push({ type: 'step-finished', ...ref, step: 0, result: 'SUCCESS' });
    s.push({ type: 'build-finished', ...ref, result: 'SUCCESS' });
    await s.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.data.payload.events.map((e) => e.type)).toEqual(['build-started', 'step-started', 'log', 'step-finished', 'build-finished']);
  });

  it('caps log text per event', async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, opts);
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'x'.repeat(MAX_LOG_TEXT - 10) });
    s.push({ type: 'log', ...ref, step: 0, stream: 'stdout', text: 'y'.repeat(MAX_LOG_TEXT * 2) });
    await s.flush();
    const events = sent.flatMap((m) => m.data.payload.events);
    const texts = events.map((e) => (e.type === 'log' ? e.text : ''));
    expect(texts.every((t) => t.length <= MAX_LOG_TEXT)).toBe(true);
    expect(texts.join('')).toBe('x'.repeat(MAX_LOG_TEXT - 10) + 'y'.repeat(MAX_LOG_TEXT * 2));
    expect(events).toHaveLength(3);
  });

  it('keeps events when a send fails and sends them later, in order', async () => {
    const { queue, sent } = recorder(1);
    const s = new EventSender(queue, { ...opts, flushMs: 10 });
    s.push({ type: 'step-started', ...ref, step: 0, name: 'compile' });
    await s.flush();
    expect(sent).toHaveLength(0);
    s.push({ type: 'build-finished', ...ref, result: 'SUCCESS' });
    await s.flush();
    expect(sent.flatMap((m) => m.data.payload.events.map((e) => e.type))).toEqual(['step-started', 'build-finished']);
  });

  it('keeps only the newest of unsent heartbeats', async () => {
    const { queue, sent } = recorder();
    const s = new EventSender(queue, opts);
    s.push({ type: 'heartbeat', running: [] });
    s.push({ type: 'heartbeat', running: [5] });
    await s.flush();
    expect(sent[0]?.data.payload.events).toEqual([{ type: 'heartbeat', running: [5] }]);
  });
});
