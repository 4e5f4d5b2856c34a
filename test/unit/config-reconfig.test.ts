import { describe, expect, it } from 'vitest';
import { diffConfigs, replaceConfig } from '../../src/config/reconfig.js';
import { validateConfig } from '../../src/config/validate.js';
import type { MasterConfig } from '../../src/config/schema.js';

const check = (raw: Record<string, unknown>): MasterConfig => validateConfig(raw, { file: 'master.ts', baseDir: '/tmp' }).config;
const base = (over: Record<string, unknown> = {}) =>
  check({
    executors: [{ name: 'a', secret: 'a-secret-of-enough-length' }],
    builders: [
      { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'true' }] },
      { name: 'docs', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'true' }] },
    ],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'docs'] }],
    ...over,
  });

describe('diffConfigs', () => {
  it('says nothing changed for the same config', () => {
    expect(diffConfigs(base(), base())).toMatchObject({ needsRestart: [], changes: [] });
  });

  it('names builders added, removed and changed, and other sections', () => {
    const after = base({
      builders: [
        { name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'make' }] },
        { name: 'win', executors: ['a'], steps: [{ type: 'shell', name: 's', command: 'true' }] },
      ],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux', 'win'] }],
      chat: { botName: 'bb', permissions: { users: ['warner'] } },
    });
    const d = diffConfigs(base(), after);
    expect(d.changes).toEqual(['builders: added win; removed docs; changed linux', 'schedulers: changed force', 'chat: added']);
    expect([...d.sections].sort()).toEqual(['builders', 'chat', 'schedulers']);
    expect(d.needsRestart).toEqual([]);
  });

  it('an edited function counts as a change', () => {
    const before = base({ schedulers: [{ type: 'force', name: 'force', builders: ['linux'], priority: () => 1 }] });
    const after = base({ schedulers: [{ type: 'force', name: 'force', builders: ['linux'], priority: () => 2 }] });
    expect(diffConfigs(before, after).changes).toEqual(['schedulers: changed force']);
  });

  it('Redis and basedir need a restart', () => {
    const d = diffConfigs(base(), base({ redis: { prefix: 'other' }, basedir: '/srv/bb' }));
    expect(d.needsRestart).toEqual([
      'redis.prefix cannot change while the master runs ("bb" → "other"); restart the master for it',
      'basedir cannot change while the master runs (".bb/master" → "/srv/bb"); restart the master for it',
    ]);
  });
});

describe('replaceConfig', () => {
  it('makes the live object hold the new settings, dropping sections the new one lacks', () => {
    const live = base({ chat: { botName: 'bb' } });
    const keep = live;
    replaceConfig(live, base());
    expect(live).toBe(keep);
    expect(live).toEqual(base());
    expect('chat' in live).toBe(false);
  });
});
