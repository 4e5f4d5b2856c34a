import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config/load.js';

/** Helpers for the config tests: config modules written to temp dirs, and the problems they load with. */

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SECRET = 'a-secret-of-enough-length';
const DEFINE = JSON.stringify(join(ROOT, 'src/config/define.ts'));

/** A temp dir outside the repository (config modules there load as CommonJS). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bb-config-'));
}

/** A temp dir inside the repository (config modules there load as ESM); removed by `fn`'s end. */
export async function inRepoDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(ROOT, '.tmp-config-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a config module whose body may use `defineConfig`; returns its path. */
export function writeModule(source: string, dir = tempDir(), name = 'master.ts'): string {
  const path = join(dir, name);
  writeFileSync(path, `import { defineConfig } from ${DEFINE};\n${source}\n`);
  return path;
}

/** Loads a config that must fail, and returns its problems. */
export async function problemsOf(path: string): Promise<ConfigProblem[]> {
  const err: unknown = await loadConfig(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return [...(err as ConfigError).problems];
}
