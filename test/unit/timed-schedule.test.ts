import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as CronParser from 'cron-parser';
import { cronExpression, nextNightly, type NightlyFields } from '../../src/schedulers/cron.js';
import { firstFire, following, specOf, type NightlyConfig, type PeriodicConfig } from '../../src/schedulers/timed-plan.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const nightly = (f: Partial<NightlyFields>): NightlyFields => ({ minute: 0, hour: 0, dayOfMonth: '*', month: '*', dayOfWeek: '*', timezone: 'UTC', ...f });
/** The next `n` fires after `from`. */
const fires = (f: NightlyFields, from: string, n: number) => {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) out.push(iso((t = nextNightly(f, t))));
  return out;
};

describe('cron expression from the nightly fields', () => {
  it('writes numbers, sorted de-duplicated lists and stars in cron order', () => {
    expect(cronExpression(nightly({}))).toBe('0 0 * * *');
    expect(cronExpression(nightly({ minute: [30, 0, 30], hour: 3, dayOfWeek: [5, 1, 2, 3, 4] }))).toBe('0,30 3 * * 1,2,3,4,5');
    expect(cronExpression(nightly({ dayOfMonth: 1, month: [1, 7] }))).toBe('0 0 1 1,7 *');
  });
});

describe('next nightly fire', () => {
  it('is strictly after the given time, in UTC by default', () => {
    const f = nightly({ hour: 3 });
    expect(iso(nextNightly(f, at('2026-01-15T02:59:59Z')))).toBe('2026-01-15T03:00:00.000Z');
    expect(iso(nextNightly(f, at('2026-01-15T03:00:00Z')))).toBe('2026-01-16T03:00:00.000Z');
  });

  it('reads the fields in the configured zone, winter and summer', () => {
    const f = nightly({ hour: 3, timezone: 'Europe/Berlin' });
    expect(fires(f, '2026-01-14T12:00:00Z', 1)).toEqual(['2026-01-15T02:00:00.000Z']); // CET, UTC+1
    expect(fires(f, '2026-07-14T12:00:00Z', 1)).toEqual(['2026-07-15T01:00:00.000Z']); // CEST, UTC+2
    expect(fires(nightly({ hour: 9, minute: 15, timezone: 'Asia/Kolkata' }), '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-01T03:45:00.000Z',
      '2026-03-02T03:45:00.000Z',
    ]);
  });

  it('keeps local time across the spring change, and fires once for a skipped time', () => {
    // Europe/Berlin moves from 02:00 CET to 03:00 CEST on 2026-03-29.
    expect(fires(nightly({ hour: 3, timezone: 'Europe/Berlin' }), '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T02:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T01:00:00.000Z',
    ]);
    // 02:30 does not exist that night: the build runs once, at the first instant after the gap.
    expect(fires(nightly({ hour: 2, minute: 30, timezone: 'Europe/Berlin' }), '2026-03-27T12:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires once for a time that occurs twice when the clock goes back', () => {
    // Europe/Berlin goes from 03:00 CEST back to 02:00 CET on 2026-10-25: 02:30 happens twice.
    expect(fires(nightly({ hour: 2, minute: 30, timezone: 'Europe/Berlin' }), '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // Counting from inside the repeated hour does not fire it a second time.
    expect(iso(nextNightly(nightly({ hour: 2, minute: 30, timezone: 'Europe/Berlin' }), at('2026-10-25T00:45:00Z')))).toBe('2026-10-26T01:30:00.000Z');
  });

  it('handles other zones: New York weekly across its change, Sydney in the southern spring', () => {
    expect(fires(nightly({ dayOfWeek: 1, timezone: 'America/New_York' }), '2026-03-01T00:00:00Z', 3)).toEqual([
      '2026-03-02T05:00:00.000Z', // EST
      '2026-03-09T04:00:00.000Z', // EDT from 2026-03-08
      '2026-03-16T04:00:00.000Z',
    ]);
    // Sydney skips 02:00-03:00 on 2026-10-04.
    expect(fires(nightly({ hour: 2, timezone: 'Australia/Sydney' }), '2026-10-03T00:00:00Z', 3)).toEqual([
      '2026-10-03T16:00:00.000Z',
      '2026-10-04T15:00:00.000Z',
      '2026-10-05T15:00:00.000Z',
    ]);
  });

  it('takes lists, and either of dayOfMonth and dayOfWeek (as cron does)', () => {
    expect(fires(nightly({ minute: [0, 30], hour: [1, 13] }), '2026-03-01T00:00:01Z', 5)).toEqual([
      '2026-03-01T01:00:00.000Z',
      '2026-03-01T01:30:00.000Z',
      '2026-03-01T13:00:00.000Z',
      '2026-03-01T13:30:00.000Z',
      '2026-03-02T01:00:00.000Z',
    ]);
    // The 13th, and every Friday.
    expect(fires(nightly({ dayOfMonth: 13, dayOfWeek: 5 }), '2026-03-01T00:00:01Z', 4)).toEqual([
      '2026-03-06T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
      '2026-03-20T00:00:00.000Z',
      '2026-03-27T00:00:00.000Z',
    ]);
    expect(fires(nightly({ dayOfMonth: 29, month: 2 }), '2026-03-01T00:00:00Z', 1)).toEqual(['2028-02-29T00:00:00.000Z']);
  });

  it('throws for fields that never match', () => {
    expect(() => nextNightly(nightly({ dayOfMonth: 31, month: [2, 4] }), at('2026-03-01T00:00:00Z'))).toThrow();
    expect(() => nextNightly(nightly({ dayOfMonth: 30, month: 2, timezone: 'Etc/UTC' }), at('2026-03-01T00:00:00Z'))).toThrow();
  });

  it('in UTC (counted without cron-parser) gives the fires cron-parser gives', () => {
    const { CronExpressionParser } = createRequire(import.meta.url)('cron-parser') as typeof CronParser;
    // A fixed pseudo-random walk (no Math.random: a failure must be reproducible).
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const field = (lo: number, hi: number): NightlyFields['minute'] => {
      const k = rand(4);
      if (k === 0) return '*';
      if (k === 1) return lo + rand(hi - lo + 1);
      return Array.from({ length: 1 + rand(k === 2 ? 3 : hi - lo + 1) }, () => lo + rand(hi - lo + 1));
    };
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const f = nightly({ minute: field(0, 59), hour: field(0, 23), dayOfMonth: field(1, 31), month: field(1, 12), dayOfWeek: field(0, 6) });
      // Any instant in 2024–2031, on a minute boundary one time in four.
      let t = at('2024-01-01T00:00:00Z') + rand(8 * 365) * 86_400_000 + rand(86_400) * 1000 + (rand(4) ? rand(1000) : 0);
      if (!rand(4)) t = Math.floor(t / 60_000) * 60_000;
      let theirs: number | Error;
      try {
        theirs = CronExpressionParser.parse(cronExpression(f), { currentDate: new Date(t), tz: 'UTC' }).next().getTime();
      } catch (err) {
        theirs = err as Error;
      }
      if (theirs instanceof Error) {
        expect(() => nextNightly(f, t), `${cronExpression(f)} after ${iso(t)}`).toThrow();
      } else {
        expect(iso(nextNightly(f, t)), `${cronExpression(f)} after ${iso(t)}`).toBe(iso(theirs));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});

describe('periodic and nightly deadlines', () => {
  const periodic = { type: 'periodic', name: 'p', periodicBuildTimer: 60 } as PeriodicConfig;
  const night = { type: 'nightly', name: 'n', ...nightly({ hour: 3, timezone: 'Europe/Berlin' }) } as NightlyConfig;
  const now = at('2026-01-15T12:00:00Z');

  it('a periodic scheduler that never fired fires at once; one that did counts from its last fire', () => {
    expect(firstFire(periodic, {}, now)).toBe(now);
    expect(firstFire(periodic, { lastFire: now - 20_000 }, now)).toBe(now + 40_000);
    expect(firstFire(periodic, { lastFire: now - 600_000 }, now)).toBe(now - 540_000); // overdue: due at once
  });

  it('after a fire, counts from its due time, or from now when a whole period late', () => {
    expect(following(periodic, now, now + 15)).toBe(now + 60_000);
    expect(following(periodic, now, now + 59_999)).toBe(now + 60_000);
    expect(following(periodic, now, now + 600_000)).toBe(now + 660_000);
  });

  it('a late nightly fires once, then at its next matching time', () => {
    expect(iso(firstFire(night, {}, now))).toBe('2026-01-16T02:00:00.000Z');
    expect(iso(following(night, at('2026-01-16T02:00:00Z'), at('2026-01-16T02:00:00.020Z')))).toBe('2026-01-17T02:00:00.000Z');
    expect(iso(following(night, at('2026-01-16T02:00:00Z'), at('2026-01-19T09:00:00Z')))).toBe('2026-01-20T02:00:00.000Z');
  });

  it('the stored schedule names what the deadline was computed for', () => {
    expect(specOf(periodic)).toBe('every 60s');
    expect(specOf(night)).toBe('0 3 * * * Europe/Berlin');
  });
});
