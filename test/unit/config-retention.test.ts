import { describe, expect, it } from 'vitest';
import { checkRawConfig as load, configProblems as problems } from '../harness/config-check.js';

const SECRET = 'a-secret-of-enough-length';
const base = (extra: Record<string, unknown>) => ({
  executors: [{ name: 'a', secret: SECRET }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
  ...extra,
});

describe('retention and redis config', () => {
  it('is on by default with the documented defaults', () => {
    const { config } = load(base({}));
    expect(config.retention).toEqual({
      builds: { maxAge: 365 * 86_400_000, keepLast: 500 },
      logs: { maxAge: 30 * 86_400_000, keepLast: 50 },
      changes: { maxAge: 365 * 86_400_000, keepLast: 1000 },
      buildsets: { maxAge: 90 * 86_400_000, keepLast: 1000 },
      problems: { maxAge: 365 * 86_400_000, keepLast: 1000 },
      hassle: { maxAge: 90 * 86_400_000, keepLast: 100 },
      packages: { maxAge: 365 * 86_400_000, keepLast: 100 },
      jobs: { completed: { maxAge: 86_400_000, keepLast: 100 }, failed: { maxAge: 7 * 86_400_000, keepLast: 1000 } },
      every: 3_600_000,
      slice: 200,
    });
    expect(config.redis.allowEviction).toBe(false);
  });

  it('takes partial rules, false for one kind or for all', () => {
    expect(load(base({ retention: { logs: { maxAge: '7d' }, changes: false } })).config.retention).toMatchObject({ logs: { maxAge: 7 * 86_400_000, keepLast: 50 }, changes: false });
    expect(load(base({ retention: false })).config.retention).toBe(false);
    expect(load(base({ redis: { allowEviction: true } })).config.redis).toEqual({ prefix: 'bb', allowEviction: true });
  });

  it('names the path of a bad setting', () => {
    const found = problems(base({ retention: { logs: { maxAge: '30 days', keepLast: -1 }, builds: { keep: 3 }, slice: 0 } }));
    expect(found.join('\n')).toMatch(/retention\.logs\.maxAge: .*duration such as 90s, 30m, 1h30m, 2d or 1w/);
    expect(found.join('\n')).toMatch(/retention\.logs\.keepLast: /);
    expect(found.join('\n')).toMatch(/retention\.builds/);
    expect(found.join('\n')).toMatch(/retention\.slice: /);
  });
});
