import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigModule } from '../../src/config/import-module.js';
import { inRepoDir, ROOT, SECRET, tempDir, writeModule } from './config-helpers.js';

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

  it('leaves no tsx or esbuild in the compiled process once the config is in, and loads cron-parser only for a nightly outside UTC', () => {
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
      const nightly = (timezone) => firstFire({ type: 'nightly', minute: 0, hour: 3, dayOfMonth: '*', month: '*', dayOfWeek: '*', timezone }, undefined, Date.UTC(2026, 0, 1));
      out.utc = new Date(nightly('UTC')).toISOString();
      out.cronInUtc = held(cron).length;
      out.berlin = new Date(nightly('Europe/Berlin')).toISOString();
      out.cronInBerlin = held(cron).length > 0;
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const loaded = { title: 'kept', filter: true, tsx: [] };
    expect(JSON.parse(r.stdout)).toEqual({ load1: loaded, load2: loaded, utc: '2026-01-01T03:00:00.000Z', cronInUtc: 0, berlin: '2026-01-01T02:00:00.000Z', cronInBerlin: true });
  });

  it('loads and checks a config in UTC without Intl (whose first date format maps about 5 MiB of ICU locale data)', () => {
    const file = writeModule(`export default defineConfig({
  executors: [{ name: 'e1', secret: ${JSON.stringify(SECRET)} }],
  builders: [{ name: 'b1', executors: ['e1'], steps: [{ type: 'shell', name: 'noop', command: ['true'] }] }],
  schedulers: [{ type: 'nightly', name: 'n', branch: 'main', hour: 3, builders: ['b1'] }],
  users: { people: [{ name: 'ann', emails: ['ann@example.org'], timeZone: 'Etc/UTC' }] },
  problems: { hassle: { timeZone: 'UTC' } },
});`);
    // Counts every way into ICU's locale data before bb loads: Intl's formatters and the toLocale* methods.
    const script = `
      const used = [];
      for (const k of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'DisplayNames']) {
        const Orig = Intl[k];
        Intl[k] = new Proxy(Orig, { construct: (t, a, n) => (used.push('Intl.' + k), Reflect.construct(t, a, n)), apply: (t, th, a) => (used.push('Intl.' + k), Reflect.apply(t, th, a)) });
      }
      for (const [o, names] of [[Number.prototype, ['toLocaleString']], [Date.prototype, ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']], [String.prototype, ['localeCompare']]]) {
        for (const n of names) { const f = o[n]; o[n] = function (...a) { used.push(n); return f.apply(this, a); }; }
      }
      const { loadConfig } = await import(${JSON.stringify(join(ROOT, 'dist/src/config/load.js'))});
      await import(${JSON.stringify(join(ROOT, 'dist/src/data/logs.js'))});
      const { firstFire } = await import(${JSON.stringify(join(ROOT, 'dist/src/schedulers/timed-plan.js'))});
      const { config } = await loadConfig(${JSON.stringify(file)});
      const n = config.schedulers.find((s) => s.type === 'nightly');
      console.log(JSON.stringify({ next: new Date(firstFire(n, undefined, Date.UTC(2026, 0, 1))).toISOString(), used }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ next: '2026-01-01T03:00:00.000Z', used: [] });
  });

});
