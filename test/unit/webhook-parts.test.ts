import { describe, expect, it } from 'vitest';
import { checkSignature, checkToken, hmacHex } from '../../src/http/verify.js';
import { github } from '../../src/http/github.js';
import { gitlab } from '../../src/http/gitlab.js';
import { HookError } from '../../src/http/hook.js';
import { tipLast } from '../../src/http/push.js';
import { hookFixture } from '../harness/http.js';

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

describe('webhook proofs', () => {
  const body = Buffer.from('{"a":1}');
  const secret = 'a-secret-of-enough-length';

  it('checks sha256= signatures of the raw body', () => {
    const good = `sha256=${hmacHex(secret, body)}`;
    expect(checkSignature(good, secret, body)).toBe('ok');
    expect(checkSignature(good.toUpperCase().replace('SHA256=', 'sha256='), secret, body)).toBe('ok');
    expect(checkSignature(undefined, secret, body)).toBe('missing');
    expect(checkSignature(good, secret, Buffer.from('{"a":2}'))).toBe('bad');
    expect(checkSignature(`sha1=${hmacHex(secret, body)}`, secret, body)).toBe('bad');
    expect(checkSignature('sha256=abc', secret, body)).toBe('bad');
  });

  it('checks tokens of any length', () => {
    expect(checkToken('gitlab-token-0123456789', 'gitlab-token-0123456789')).toBe('ok');
    expect(checkToken('gitlab-token-012345678', 'gitlab-token-0123456789')).toBe('bad');
    expect(checkToken('', 'gitlab-token-0123456789')).toBe('missing');
  });
});

describe('push payloads', () => {
  it('reads a GitHub push sent as a form (the hook’s other content type)', () => {
    const f = hookFixture('github-push');
    const raw = Buffer.from(new URLSearchParams({ payload: JSON.stringify(f.body) }).toString());
    const out = github.parse({ ...lower(f.headers), 'content-type': 'application/x-www-form-urlencoded' }, raw, {});
    expect(out.kind === 'changes' && out.changes.map((c) => c.revision)).toEqual([
      'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      'b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80',
      'c9a1f0e2d3b4c5a6978877665544332211aabbcc',
    ]);
    // Known by what was signed, not by the delivery id.
    expect(out).toMatchObject({
      identity: JSON.stringify(['https://github.com/acme/widget.git', 'main', '4b0e9d1c7f3a2e6b8d5c0a9f1e2d3c4b5a6f7e8d', 'c9a1f0e2d3b4c5a6978877665544332211aabbcc', 1776686601]),
    });
  });

  it('ignores branch deletions and non-branch refs; a push without commits makes no changes', () => {
    const f = hookFixture('github-push');
    const h = lower(f.headers);
    const parse = (patch: Record<string, unknown>) => github.parse(h, Buffer.from(JSON.stringify({ ...f.body, ...patch })), {});
    expect(parse({ deleted: true, commits: [] })).toMatchObject({ kind: 'ignored', reason: 'branch deleted' });
    expect(parse({ ref: 'refs/pull/7/head' })).toMatchObject({ kind: 'ignored', status: 202 });
    expect(parse({ commits: [] })).toMatchObject({ kind: 'changes', changes: [] });
    expect(() => parse({ repository: null })).toThrow(HookError);
  });

  it('GitLab: events other than push are ignored; the project URL names the repository', () => {
    const f = hookFixture('gitlab-push');
    const out = gitlab.parse(lower(f.headers), Buffer.from(JSON.stringify(f.body)), { project: 'widget' });
    expect(out).toMatchObject({
      kind: 'changes',
      identity: JSON.stringify(['https://gitlab.example.com/acme/widget.git', 'main', '95790bf891e76fee5e1747ab589903a6a1f80f22', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7']),
    });
    expect(out.kind === 'changes' && out.changes[0]).toMatchObject({ repository: 'https://gitlab.example.com/acme/widget.git', project: 'widget', when: Date.parse('2026-04-21T09:15:02+00:00') });
    expect(gitlab.parse({ 'x-gitlab-event': 'Issue Hook' }, Buffer.from('{"object_kind":"issue"}'), {})).toMatchObject({
      kind: 'ignored',
      reason: 'event Issue Hook is not built',
    });
  });

  it('puts the pushed tip last', () => {
    const c = (id: string) => ({ id });
    expect(tipLast([c('a'), c('b'), c('c')], 'c').map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(tipLast([c('c'), c('b'), c('a')], 'c').map((x) => x.id)).toEqual(['a', 'b', 'c']);
    expect(tipLast([c('a')], 'a').map((x) => x.id)).toEqual(['a']);
  });
});
