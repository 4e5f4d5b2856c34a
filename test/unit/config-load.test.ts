import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { isImportant } from '../../src/schedulers/match.js';
import type { Change } from '../../src/model/change.js';
import { ROOT, SECRET, inRepoDir, problemsOf, writeModule } from './config-helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('example configs', () => {
  it('config/demo.ts loads, with its secret from the environment', async () => {
    vi.stubEnv('BB_DEMO_SECRET', SECRET);
    const { config, secrets, path } = await loadConfig(join(ROOT, 'config/demo.ts'));
    expect(path).toBe(join(ROOT, 'config/demo.ts'));
    expect(config.builders.map((b) => b.name)).toEqual(['linux', 'docs']);
    expect(config.executors.map((e) => e.name)).toEqual(['local']);
    expect(secrets).toEqual(new Map([['local', SECRET]]));
    expect(config.repositories[0]?.url).toBe(process.env.BB_DEMO_REPO ?? '.bb-demo/sample');
    const test = config.builders[0]?.steps.find((s) => s.name === 'test');
    expect(test).toMatchObject({ type: 'shell', testResults: { format: 'tap', path: 'test-results.tap' } });

    // Its schedulers: a docs-only change starts docs but not linux; a code change starts linux.
    const byName = new Map(config.schedulers.map((s) => [s.name, s]));
    const trunk = byName.get('trunk');
    const docs = byName.get('trunk-docs');
    if (trunk?.type !== 'single-branch' || docs?.type !== 'single-branch') throw new Error('demo schedulers changed');
    expect([trunk.branch, trunk.treeStableTimer, docs.branch]).toEqual(['main', 2, 'main']);
    const docsOnly = { files: ['docs/guide.md'] } as Change;
    const code = { files: ['src/net.txt'] } as Change;
    expect([isImportant(trunk, docsOnly), isImportant(docs, docsOnly)]).toEqual([false, true]);
    expect([isImportant(trunk, code), isImportant(docs, code)]).toEqual([true, false]);
    expect(byName.get('force')?.builders).toEqual(['linux', 'docs']);
  });

  it('config/demo.ts without BB_DEMO_SECRET says which variable to set', async () => {
    vi.stubEnv('BB_DEMO_SECRET', '');
    expect(await problemsOf(join(ROOT, 'config/demo.ts'))).toEqual([
      {
        path: 'executors[0].secretEnv',
        message: "environment variable BB_DEMO_SECRET is not set; set it to this executor's secret before loading the config",
      },
    ]);
  });

  it('config/tahoe.ts loads: supported platforms, one demoted builder, a package builder', async () => {
    for (const v of ['DEBIAN', 'MAC', 'WINDOWS', 'FREEBSD']) vi.stubEnv(`TAHOE_SECRET_${v}`, `${v.toLowerCase()}-${SECRET}`);
    const { config, secrets } = await loadConfig(join(ROOT, 'config/tahoe.ts'));
    const tiers = Object.fromEntries(config.builders.map((b) => [b.name, b.tier]));
    expect(tiers).toEqual({ linux: 'supported', mac: 'supported', windows: 'supported', freebsd: 'unsupported', package: 'unsupported' });
    expect(secrets.size).toBe(4);
    expect(secrets.get('windows-x64')).toBe(`windows-${SECRET}`);
    expect(config.schedulers.map((s) => s.type)).toEqual(['single-branch', 'any-branch', 'force']);
    expect(config.packages).toEqual({ builder: 'package', dir: 'dist' });
    expect(config.tiers).toEqual({ owners: { windows: ['zooko'], mac: ['warner'] }, suggestDemotionAfter: '24h' });
  });
});

describe('a broken config', () => {
  it('reports every problem at once, each with its path, in the order of the file', async () => {
    vi.stubEnv('BB_TEST_UNSET_SECRET', '');
    const path = writeModule(`
export default defineConfig({
  executors: [
    { name: 'debian' },
    { name: 'mac', secretEnv: 'BB_TEST_UNSET_SECRET' },
    { name: 'win', secret: '${SECRET}', secretFile: 'win.secret' },
  ],
  builders: [
    { name: 'linux', executors: ['debian', 'debain'],
      steps: [{ type: 'checkout' }, { type: 'shell', command: 'make' }, { type: 'shell', command: 'make' }] },
    { name: 'mac', executors: ['mac'], steps: [{ type: 'shell', command: 42 }, { type: 'shel', command: 'x' }] },
  ],
  schedulers: [
    { type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 5, builders: ['linux', 'linx'],
      fileIsImportant: ['src/[', '/docs/**'] },
    { type: 'single-branch', name: 'trunk', branch: '-x', treeStableTimer: 5, builders: ['mac'] },
    { type: 'force', name: 'force', builders: ['linux'], priorty: 3 },
  ],
  repositories: [{ name: 'tahoe', url: '' }],
});`);
    const problems = await problemsOf(path);
    expect(problems.map((p) => p.path)).toEqual([
      'executors[0]',
      'executors[1].secretEnv',
      'executors[2]',
      'builders[0].executors[1]',
      'builders[0].steps[2]',
      'builders[1].steps[0].command',
      'builders[1].steps[1].type',
      'schedulers[0].builders[1]',
      'schedulers[0].fileIsImportant[0]',
      'schedulers[0].fileIsImportant[1]',
      'schedulers[1].name',
      'schedulers[1].branch',
      'schedulers[2].priorty',
      'repositories[0].url',
    ]);
    const message = (p: string) => problems.find((x) => x.path === p)?.message;
    expect(message('executors[0]')).toMatch(/^give exactly one of secret, secretEnv or secretFile \(none is set\)/);
    expect(message('executors[2]')).toMatch(/\(found secret and secretFile\)/);
    expect(message('builders[0].executors[1]')).toBe('unknown executor "debain" (known: debian, mac, win)');
    expect(message('builders[0].steps[2]')).toBe('duplicate step name "make" (already used by steps[1]); give the step a unique `name`');
    expect(message('builders[1].steps[0].command')).toBe('expected a string or an array of strings, got the number 42');
    expect(message('builders[1].steps[1].type')).toBe('unknown type "shel"; expected "checkout" or "shell" (did you mean "shell"?)');
    expect(message('schedulers[0].builders[1]')).toBe('unknown builder "linx" (known: linux, mac)');
    expect(message('schedulers[0].fileIsImportant[0]')).toMatch(/^glob "src\/\[" cannot be compiled: Missing closing/);
    expect(message('schedulers[0].fileIsImportant[1]')).toMatch(/drop the leading "\/"/);
    expect(message('schedulers[1].name')).toMatch(/^duplicate scheduler name "trunk" \(already used by schedulers\[0\]\)/);
    expect(message('schedulers[1].branch')).toMatch(/^"-x" is not a valid branch name/);
    expect(message('schedulers[2].priorty')).toBe('unknown option "priorty" (did you mean "priority"?)');
    expect(message('repositories[0].url')).toBe('must not be empty');
  });

  it('formats one line per problem: file, path, message', async () => {
    await inRepoDir(async (dir) => {
      const path = writeModule(
        `export default defineConfig({ executors: [{ name: 'a', secret: '${SECRET}' }], builders: [{ name: 'b', executors: ['a'], steps: [{ type: 'shell', command: {} }] }], titel: 'x' });`,
        dir,
      );
      const err = (await loadConfig(path).catch((e: unknown) => e)) as ConfigError;
      const shown = path.slice(ROOT.length + 1);
      expect(err.format().split('\n')).toEqual([
        `${shown}: builders[0].steps[0].command: expected a string or an array of strings, got an object`,
        `${shown}: titel: unknown option "titel" (did you mean "title"?)`,
      ]);
      expect(err.message).toBe(err.format());
    });
  });

  it('reports missing required options and unknown top-level options', async () => {
    const problems = await problemsOf(writeModule(`export default defineConfig({ title: 3, redis: { prefix: 'a b' }, schedulers: [{ name: 'x', builders: ['b'] }] });`));
    expect(problems).toEqual([
      { path: 'title', message: 'expected a string, got the number 3' },
      { path: 'redis.prefix', message: 'must match /^[A-Za-z0-9_{}.-]+$/' },
      { path: 'schedulers[0].type', message: 'missing; expected "single-branch", "any-branch", "force", "periodic", "nightly", "dependent" or "try"' },
      { path: 'schedulers[0].builders[0]', message: 'unknown builder "b" (no builders are configured)' },
      { path: 'executors', message: 'missing; expected an array of objects' },
      { path: 'builders', message: 'missing; expected an array of objects' },
    ]);
  });
});

describe('config files that cannot be loaded', () => {
  it('a missing file', async () => {
    const err = (await loadConfig(join(ROOT, 'config/no-such-config.ts')).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.format()).toBe('config/no-such-config.ts: no such file; give the path of a config module (a .ts file ending in "export default defineConfig({...})")');
  });

  it('a module that throws: its message is shown', async () => {
    const path = writeModule(`function fromVault(): string { throw new Error('vault is unreachable'); }\nexport default defineConfig({ executors: [{ name: 'a', secret: fromVault() }], builders: [] });`);
    const problems = await problemsOf(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('');
    expect(problems[0]?.message).toMatch(/^loading the module failed: vault is unreachable/);
  });

  it('a module with a syntax error', async () => {
    const problems = await problemsOf(writeModule('export default defineConfig({ builders: [ });'));
    expect(problems[0]?.message).toMatch(/^loading the module failed: Transform failed with 1 error: .*master\.ts:2:\d+: ERROR: Unexpected "\}"$/);
  });

  it('a module without a default export', async () => {
    expect(await problemsOf(writeModule('export const config = defineConfig({ executors: [], builders: [] });'))).toEqual([
      { path: '', message: 'the module has no default export; end it with "export default defineConfig({...})"' },
    ]);
  });

  it('a default export that is not an object', async () => {
    expect(await problemsOf(writeModule('export default 42;'))).toEqual([
      { path: '', message: 'the default export is the number 42; export the object from defineConfig({...})' },
    ]);
  });

  it('a config under the repository (an ESM package) shows where it threw', async () => {
    await inRepoDir(async (dir) => {
      const path = writeModule(`const broken = (): string => {\n  throw new Error('boom');\n};\nexport default defineConfig({ executors: [{ name: broken() }], builders: [] });`, dir);
      const problems = await problemsOf(path);
      // The line and column are the TypeScript source's when tsx's source maps are in charge (they
      // are under `bb`, not under vitest, which installs its own stack formatting).
      const at = path.slice(ROOT.length + 1).replaceAll('.', '\\.');
      expect(problems[0]?.message).toMatch(new RegExp(`^loading the module failed: boom \\(at ${at}:\\d+:\\d+\\)$`));
    });
  });
});
