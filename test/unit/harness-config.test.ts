import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/util/clock.js';
import { tempDir, writeConfig } from '../harness/bb.js';
import { renderConfig, testConfig } from '../harness/config.js';

// The harness's typed test configs (test/harness/config.ts) and the clock tests move (src/util/clock.ts).

describe('typed test configs', () => {
  it('a config object is written as a config module that loads to the same settings', async () => {
    const config = testConfig({
      executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'printf "a\\tb\\n" && echo \'quoted\'' }] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.5, builders: ['linux'] }],
    });
    const dir = tempDir('harness-config');
    const loaded = await loadConfig(writeConfig(dir, renderConfig(config).replaceAll('PREFIX', 'hc').replaceAll('BASEDIR', dir)));
    expect(loaded.config.redis.prefix).toBe('hc');
    expect(loaded.config.basedir).toBe(dir);
    expect(loaded.config.builders[0]!.steps[0]).toMatchObject({ command: 'printf "a\\tb\\n" && echo \'quoted\'' });
    expect(loaded.config.schedulers[0]).toMatchObject({ name: 'trunk', treeStableTimer: 0.5 });
  });

  it('refuses what a config file cannot hold as data (a function), naming where', () => {
    const config = testConfig({
      executors: [{ name: 'a', secret: 'secret-for-exec-a-0123456789' }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 1, builders: ['linux'], priority: () => 1 }],
    });
    expect(() => renderConfig(config)).toThrow(/config priority: a function cannot be written/);
  });
});

describe('ManualClock', () => {
  it('stands still until moved, and tells its listeners of every move', () => {
    const clock = new ManualClock(Date.parse('2026-12-02T10:00:00Z'));
    const seen: number[] = [];
    const off = clock.onMove(() => seen.push(clock.now()));
    expect(clock.now()).toBe(Date.parse('2026-12-02T10:00:00Z'));
    clock.advance(1000);
    clock.set('2026-12-02T09:00:00Z'); // back, too
    off();
    clock.advance(1);
    expect(seen).toEqual([Date.parse('2026-12-02T10:00:01Z'), Date.parse('2026-12-02T09:00:00Z')]);
    expect(() => clock.set('not a time')).toThrow(/not a time/);
  });
});
