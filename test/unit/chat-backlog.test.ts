import { describe, expect, it } from 'vitest';
import { clock, plan } from '../../src/chat/backlog.js';
import type { OutboxEntry } from '../../src/data/outbox-repo.js';

const T0 = Date.UTC(2026, 11, 3, 18, 2);
const entry = (at: number, text: string, o: Partial<OutboxEntry> = {}): OutboxEntry => ({ v: 1, at, to: '#dev', direct: false, text, ...o });

describe('the outbox backlog plan', () => {
  it('sends on-time entries as they are and late ones with the time they were said', () => {
    const steps = plan([entry(T0, 'old', { html: '<b>old</b>' }), entry(T0 + 59_000, 'new')], T0 + 60_000, { lateAfterMs: 30_000, limit: 10, keep: 5 });
    expect(steps).toEqual([
      { kind: 'send', entry: expect.objectContaining({ text: 'old' }), text: '[18:02 UTC] old', html: '[18:02 UTC] <b>old</b>' },
      { kind: 'send', entry: expect.objectContaining({ text: 'new' }), text: 'new' },
    ]);
  });

  it('summarises a late backlog over the limit per channel, keeps the newest, and counts every entry', () => {
    const results = ['FAILURE', 'SUCCESS', 'FAILURE', 'SUCCESS', 'SUCCESS', 'FAILURE', 'problem opened', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'];
    const dev = results.map((r, i) => entry(T0 + i * 1000, `dev ${i}`, { tally: r }));
    const dm = entry(T0 + 500, 'reminder', { to: 'alice', direct: true, tally: 'reminders' });
    const steps = plan([dm, ...dev], T0 + 3_600_000, { lateAfterMs: 30_000, limit: 10, keep: 5 });
    const said = steps.flatMap((s) => (s.kind === 'send' ? [s.text] : []));
    expect(said).toEqual([
      '[18:02 UTC] reminder',
      '7 announcements while I was away (since 18:02 UTC): 3 FAILURE, 3 SUCCESS, 1 problem opened; the last 5 follow.',
      '[18:02 UTC] dev 7',
      '[18:02 UTC] dev 8',
      '[18:02 UTC] dev 9',
      '[18:02 UTC] dev 10',
      '[18:02 UTC] dev 11',
    ]);
    expect(steps).toHaveLength(13); // one step per entry: the summarised ones are skipped, none lost
    expect(steps.filter((s) => s.kind === 'skip')).toHaveLength(6);
  });

  it('names the day when it is not today', () => {
    expect(clock(T0, T0 + 86_400_000)).toBe('2026-12-03 18:02 UTC');
  });
});
