import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigCommand } from '../../src/config/check.js';
import { ConfigError, loadConfig, resolveSecrets } from '../../src/config/load.js';
import { ROOT, SECRET, problemsOf, tempDir, writeModule } from './config-helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('executor secrets', () => {
  const body = (executor: string) =>
    `export default defineConfig({ executors: [${executor}], builders: [{ name: 'b', executors: ['e'], steps: [{ type: 'checkout' }] }] });`;

  it('secretFile is read relative to the config file and trimmed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'e.secret'), `${SECRET}\n`);
    const { secrets } = await loadConfig(writeModule(body(`{ name: 'e', secretFile: 'e.secret' }`), dir));
    expect(secrets.get('e')).toBe(SECRET);
  });

  it('an unreadable or too short secret file is reported', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'short.secret'), 'abc\n');
    const short = await problemsOf(writeModule(body(`{ name: 'e', secretFile: 'short.secret' }`), dir));
    expect(short).toEqual([{ path: 'executors[0].secretFile', message: `${join(dir, 'short.secret')} holds only 3 characters; a secret needs at least 16` }]);
    const missing = await problemsOf(writeModule(body(`{ name: 'e', secretFile: 'nope.secret' }`), dir));
    expect(missing[0]?.path).toBe('executors[0].secretFile');
    expect(missing[0]?.message).toMatch(/^cannot read .*nope\.secret \(ENOENT\)/);
  });

  it('resolveSecrets reads a validated config and throws a ConfigError listing every unreadable secret', async () => {
    vi.stubEnv('BB_TEST_SECRET_A', SECRET);
    const { config } = await loadConfig(writeModule(body(`{ name: 'e', secretEnv: 'BB_TEST_SECRET_A' }`)));
    expect(resolveSecrets(config)).toEqual(new Map([['e', SECRET]]));
    vi.stubEnv('BB_TEST_SECRET_A', '');
    expect(() => resolveSecrets(config)).toThrow(ConfigError);
    try {
      resolveSecrets(config);
    } catch (err) {
      expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['executors[0].secretEnv']);
    }
  });
});

describe('check-config', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  }

  it('prints a summary and returns 0 for a good config', async () => {
    vi.stubEnv('BB_DEMO_SECRET', SECRET);
    const c = capture();
    expect(await checkConfigCommand(join(ROOT, 'config/demo.ts'), c.io)).toBe(0);
    expect(c.out).toEqual(['config OK: 2 builders, 3 schedulers, 1 executor, 1 repository']);
    expect(c.err).toEqual([]);
  });

  it('says that the packages builder never gates when it is configured supported (and not when unsupported)', async () => {
    const body = (tier: string) =>
      `export default defineConfig({ executors: [{ name: 'e', secret: '${SECRET}' }], builders: [{ name: 'linux', executors: ['e'], steps: [{ type: 'checkout' }] }, { name: 'package', ${tier} executors: ['e'], steps: [{ type: 'checkout' }] }], packages: { builder: 'package' } });`;
    const c = capture();
    expect(await checkConfigCommand(writeModule(body("tier: 'supported',")), c.io)).toBe(0);
    expect(c.out[1]).toBe(`note: builder "package" is the packages builder and has tier 'supported' (the default): the packages builder never gates packages, whatever its tier; say tier: 'unsupported' to make that plain`);
    const d = capture();
    expect(await checkConfigCommand(writeModule(body("tier: 'unsupported',")), d.io)).toBe(0);
    expect(d.out).toHaveLength(1);
  });

  it('prints every problem and returns 1 for a bad one', async () => {
    const c = capture();
    const path = writeModule(`export default defineConfig({ executors: [{ name: 'a' }], builders: [{ name: 'b', executors: ['x'], steps: [] }] });`);
    expect(await checkConfigCommand(path, c.io)).toBe(1);
    expect(c.out).toEqual([]);
    expect(c.err.join('\n').split('\n')).toEqual([
      `${path}: executors[0]: give exactly one of secret, secretEnv or secretFile (none is set); secretEnv keeps the secret out of the config file`,
      `${path}: builders[0].steps: a builder needs at least one step`,
      `${path}: builders[0].executors[0]: unknown executor "x" (known: a)`,
    ]);
  });
});
