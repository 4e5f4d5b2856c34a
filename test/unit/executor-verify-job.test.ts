import { describe, expect, it } from 'vitest';
import { checkBuildJob } from '../../executor/verify-job.js';
import { sign } from '../../src/queue/signing.js';

const secret = 's3cret-s3cret';
const now = 1_800_000_000_000;

function payload(over: Record<string, unknown> = {}) {
  return {
    v: 1,
    buildId: 42,
    token: 'tok-0123456789abcdef',
    executor: 'ex1',
    session: 'sess-0001',
    builder: 'linux',
    number: 3,
    workdir: 'linux',
    sourcestamp: { repository: '/r', project: 'p' },
    steps: [{ type: 'shell', command: 'true' }],
    properties: {},
    issuedAt: now - 1000,
    expiresAt: now + 60_000,
    ...over,
  };
}

const opts = { secret, executor: 'ex1', session: 'sess-0001', now, alreadyRun: () => false };

describe('executor job verification', () => {
  it('accepts a signed job for this executor and fills schema defaults', () => {
    const p = payload();
    const r = checkBuildJob({ payload: p, sig: sign(p, secret) }, opts);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.payload.steps[0]).toMatchObject({ type: 'shell', env: {} });
  });

  it('refuses unsigned, tampered and wrongly keyed jobs before reading them', () => {
    const p = payload();
    const sig = sign(p, secret);
    expect(checkBuildJob({ payload: p }, opts)).toEqual({ ok: false, reason: 'malformed job: expected {payload, sig}' });
    expect(checkBuildJob({ payload: p, sig: '' }, opts)).toEqual({ ok: false, reason: 'bad signature' });
    expect(checkBuildJob({ payload: { ...p, steps: [{ type: 'shell', command: 'rm -rf /' }] }, sig }, opts)).toEqual({ ok: false, reason: 'bad signature' });
    expect(checkBuildJob({ payload: p, sig: sign(p, 'other-secret') }, opts)).toEqual({ ok: false, reason: 'bad signature' });
    expect(checkBuildJob('nonsense', opts).ok).toBe(false);
  });

  it('refuses a signed job that does not parse', () => {
    const p = payload({ steps: [] });
    const r = checkBuildJob({ payload: p, sig: sign(p, secret) }, opts);
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid job payload: steps/) });
  });

  it('refuses jobs for another executor or session, expired jobs and repeated build ids', () => {
    const other = payload({ executor: 'ex2' });
    expect(checkBuildJob({ payload: other, sig: sign(other, secret) }, opts)).toMatchObject({ ok: false, reason: expect.stringContaining('"ex2"') });
    const earlier = payload({ session: 'sess-before-restart' });
    expect(checkBuildJob({ payload: earlier, sig: sign(earlier, secret) }, opts)).toMatchObject({ ok: false, reason: expect.stringContaining('session sess-before-restart') });
    const old = payload({ expiresAt: now - 5000 });
    expect(checkBuildJob({ payload: old, sig: sign(old, secret) }, opts)).toMatchObject({ ok: false, reason: 'job expired 5s ago' });
    const p = payload();
    expect(checkBuildJob({ payload: p, sig: sign(p, secret) }, { ...opts, alreadyRun: (id) => id === 42 })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('already run'),
    });
  });
});
