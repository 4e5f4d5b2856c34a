import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigModule } from '../../src/config/import-module.js';
import { inRepoDir, ROOT, tempDir, writeModule } from './config-helpers.js';

describe('importConfigModule', () => {
  it('evaluates the module afresh on every load, its local imports too (a reload sees edits)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'builders.ts'), `export const names = ['a'];\n`);
    const file = writeModule(`import { names } from './builders.js';\nexport default defineConfig({ title: names.join(',') } as never);`, dir);
    expect(await importConfigModule(file)).toEqual({ title: 'a' });
    writeFileSync(join(dir, 'builders.ts'), `export const names = ['a', 'b'];\n`);
    expect(await importConfigModule(file)).toEqual({ title: 'a,b' });
    writeModule(`export default defineConfig({ title: 'edited' } as never);`, dir);
    expect(await importConfigModule(file)).toEqual({ title: 'edited' });
  });

  it('loads a module that needs ESM (top-level await) inside an ESM package (the repository)', async () => {
    const body = `const n = await Promise.resolve(3);\nexport default defineConfig({ title: 'tla ' + n } as never);`;
    expect(await inRepoDir(async (dir) => importConfigModule(writeModule(body, dir)))).toEqual({ title: 'tla 3' });
  });

  it('bb check-config (compiled bb) says where in the TypeScript source a module threw', async () => {
    const file = writeModule(`const a: number = 1;\nthrow new Error('boom ' + a);\nexport default defineConfig({} as never);`);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/bb.js'), 'check-config', file], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe(`${file}: loading the module failed: boom 1 (at ${file}:3:7)`);
    expect(r.status).toBe(1);
  });

  it('leaves no tsx or esbuild in the compiled process once the config is in, and loads cron-parser only for a nightly', () => {
    const file = writeModule(`export default defineConfig({ title: 'kept', filter: (b: string) => b === 'main' } as never);`);
    // A fresh compiled process: vitest itself runs through a TypeScript loader.
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const held = (re) => Object.keys(cache).filter((k) => re.test(k));
      const { importConfigModule } = await import(${JSON.stringify(join(ROOT, 'dist/src/config/import-module.js'))});
      const { firstFire } = await import(${JSON.stringify(join(ROOT, 'dist/src/schedulers/timed-plan.js'))});
      const out = {};
      for (const round of [1, 2]) {
        const c = await importConfigModule(${JSON.stringify(file)});
        await new Promise((r) => setImmediate(r));
        out['load' + round] = { title: c.title, filter: c.filter('main'), tsx: held(/[\\/]node_modules[\\/](tsx|esbuild)[\\/]/) };
      }
      const cron = /[\\/]node_modules[\\/]cron-parser[\\/]/;
      out.cronBefore = held(cron).length;
      firstFire({ type: 'nightly', minute: 0, hour: 3, dayOfMonth: '*', month: '*', dayOfWeek: '*', timezone: 'UTC' }, undefined, Date.UTC(2026, 0, 1));
      out.cronAfter = held(cron).length > 0;
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const loaded = { title: 'kept', filter: true, tsx: [] };
    expect(JSON.parse(r.stdout)).toEqual({ load1: loaded, load2: loaded, cronBefore: 0, cronAfter: true });
  });
});
