import { describe, expect, it } from 'vitest';
import { checkRawConfig as load, configProblems as problems } from '../harness/config-check.js';

const SECRET = 'a-secret-of-enough-length';
const base = (leader?: Record<string, unknown>) => ({
  ...(leader ? { leader } : {}),
  executors: [{ name: 'a', secret: SECRET }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
});

describe('leader: the lease timing of several masters', () => {
  it('defaults to a 6 s lease renewed every 2 s, a standby polling every second; durations are read as elsewhere', () => {
    expect(load(base()).config.leader).toEqual({ lease: 6000, renew: 2000, poll: 1000 });
    expect(load(base({ lease: '15s', renew: '4s', poll: '500ms' })).config.leader).toEqual({ lease: 15_000, renew: 4000, poll: 500 });
    expect(load(base({ lease: '1m' })).config.leader).toEqual({ lease: 60_000, renew: 2000, poll: 1000 });
  });

  it('refuses a renewal that is not well under the lease, and other bad timings, naming the path', () => {
    expect(problems(base({ lease: '6s', renew: '3s' }))).toEqual([
      'leader.renew: must be at most a third of leader.lease (6s: at most 2s), so that two renewals in a row can fail before the lease lapses; got 3s',
    ]);
    expect(problems(base({ lease: '4s' }))).toEqual([
      'leader.renew: must be at most a third of leader.lease (4s: at most 1.333s), so that two renewals in a row can fail before the lease lapses; got 2s',
    ]);
    expect(problems(base({ lease: '500ms', renew: '100ms', poll: '100ms' }))).toEqual([
      'leader.lease: must be at least 1s (a lease shorter than a Redis hiccup makes the masters take turns); got 500ms',
    ]);
    expect(problems(base({ lease: '6s', poll: '10s' }))).toEqual([
      "leader.poll: must be at most leader.lease (6s): every takeover waits for a standby's next poll; got 10s",
    ]);
    expect(problems(base({ lease: '20m', renew: '1m' }))).toEqual(['leader.lease: must be at most 10m (a dead leader is replaced only after it); got 20m']);
    expect(problems(base({ renew: '50ms', poll: '0s' }))).toEqual(['leader.renew: must be at least 100ms; got 50ms', 'leader.poll: must be at least 100ms; got 0ms']);
    expect(problems(base({ lease: 6 }))[0]).toMatch(/^leader\.lease: /);
    expect(problems(base({ lease: 'soon' }))).toEqual(['leader.lease: a duration such as 90s, 30m, 1h30m, 2d or 1w']);
    expect(problems(base({ ttl: '6s' }))[0]).toMatch(/^leader\.ttl: unknown option "ttl"/);
  });
});
