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
});
