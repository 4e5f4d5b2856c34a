import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inRepoDir, ROOT, SECRET, writeModule } from './config-helpers.js';

/** Runs the real `bb` CLI and collects what it prints. */
function bb(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/bb.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const GOOD = `executors: [{ name: 'a', secret: '${SECRET}' }], builders: [{ name: 'b', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }]`;

/** One line on stderr naming the file, no stack, no data: URL. */
function oneClearLine(stderr: string, file: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith(`${file}: `)).toBe(true);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('data:');
  return lines[0]!;
}

describe('config modules that do not give a config', () => {
  it('a default export that never settles: check-config and master stop with an error naming the file', async () => {
    const file = writeModule('export default new Promise(() => {});');
    const check = await bb(['check-config', file], { BB_CONFIG_TIMEOUT: '1' });
    expect(check.status).toBe(1);
    expect(oneClearLine(check.stderr, file)).toContain('the default export is a promise that did not settle within 1 s');
    const master = await bb(['master', '--config', file, '--redis', 'redis://127.0.0.1:1'], { BB_CONFIG_TIMEOUT: '1' });
    expect(master.status).not.toBe(0);
    expect(master.stderr).toContain(`${file}: the default export is a promise that did not settle within 1 s`);
  });

  it('a rejected promise and a throwing getter each print one clear line with the path', async () => {
    const rejected = writeModule(`export default Promise.reject(new Error('no config today'));`);
    const r = await bb(['check-config', rejected]);
    expect(r.status).toBe(1);
    expect(oneClearLine(r.stderr, rejected)).toContain('the default export is a promise that rejected: no config today');

    const getter = writeModule(`export default defineConfig({ ${GOOD}, get properties(): Record<string, unknown> { throw new Error('getter broke'); } });`);
    const g = await bb(['check-config', getter]);
    expect(g.status).toBe(1);
    expect(oneClearLine(g.stderr, getter)).toContain('reading the config failed: getter broke');
  });

  it('a module loaded as ESM (inside the repository) that rejects prints one line too', async () => {
    await inRepoDir(async (dir) => {
      const file = writeModule(`await Promise.resolve();\nexport default Promise.reject(new Error('esm says no'));`, dir);
      const r = await bb(['check-config', file]);
      expect(r.status).toBe(1);
      // Inside the working directory the file is named relative to it.
      expect(oneClearLine(r.stderr, relative(process.cwd(), file))).toContain('esm says no');
    });
  });

  it('cyclic or non-data properties are rejected by the check, each with its path', async () => {
    const file = writeModule(`const p: Record<string, unknown> = { os: 'linux' };
p.self = p;
const list: unknown[] = [1];
list.push(list);
export default defineConfig({ ${GOOD.replace("steps:", "properties: { list, when: new Date(0) }, steps:")}, properties: p });`);
    const r = await bb(['check-config', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('properties.self: this value contains itself (a cycle)');
    expect(r.stderr).toContain('builders[0].properties.list[1]: this value contains itself (a cycle)');
    expect(r.stderr).toContain('builders[0].properties.when: a class instance cannot be a property value');
  });
});
