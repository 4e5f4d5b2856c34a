import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TsxCjs from 'tsx/cjs/api';
import { ConfigError, displayFile } from './errors.js';

/**
 * Imports a TypeScript config module (the process itself runs compiled JavaScript) and returns its
 * default export. tsx compiles just that module and what it imports, in this thread: its CommonJS
 * loader costs a third of the time and half the memory of its ESM loader, which keeps a loader
 * thread for the rest of the process. A module only ESM can run (top-level await) goes through the
 * ESM loader instead. Everything that stops that (no file, the module throws, no default export) is a
 * ConfigError about the file as a whole.
 */
export async function importConfigModule(file: string, opts: { settleMs?: number } = {}): Promise<unknown> {
  const fail = (message: string) => new ConfigError(file, [{ path: '', message }]);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw fail('no such file; give the path of a config module (a .ts file ending in "export default defineConfig({...})")');
  }
  if (!isFile) throw fail('not a file; give the path of a config module (a .ts file ending in "export default defineConfig({...})")');

  let mod: Record<string, unknown>;
  try {
    mod = await importTs(file);
  } catch (err) {
    throw fail(`loading the module failed: ${describeThrown(err, file)}`);
  }
  let value = defaultExport(mod);
  if (value === undefined) throw fail('the module has no default export; end it with "export default defineConfig({...})"');
  if (isThenable(value)) value = await settle(value, opts.settleMs ?? settleMsFromEnv(), fail, file);
  // Settled: what a promise resolves to is never itself a promise, so no caller's await waits again.
  return value;
}

/** How long a default export that is a promise may take: $BB_CONFIG_TIMEOUT seconds, default 30. */
function settleMsFromEnv(): number {
  const s = Number(process.env.BB_CONFIG_TIMEOUT);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A default export that is a promise: its value, or a ConfigError when it rejects or never settles. */
async function settle(p: PromiseLike<unknown>, ms: number, fail: (m: string) => ConfigError, file: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(fail(`the default export is a promise that did not settle within ${ms / 1000} s; export the config object itself, or make the promise resolve (BB_CONFIG_TIMEOUT=seconds allows longer)`)), ms);
  });
  try {
    return await Promise.race([Promise.resolve(p), timeout]);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw fail(`the default export is a promise that rejected: ${describeThrown(err, file)}`);
  } finally {
    clearTimeout(timer);
  }
}

const TSX_FILE = /[\\/]node_modules[\\/](tsx|esbuild)[\\/]/;

/**
 * The config through tsx's CommonJS loader, evaluated afresh each time (a reload must see the file
 * as it is now): the modules this load added to the require cache, other than packages, are
 * dropped from it again. tsx's hooks are removed once the config is in, and tsx and esbuild leave
 * the require cache, so a running master does not keep their code (about 1 MiB of heap); a reload
 * loads them again.
 */
async function importTs(file: string): Promise<Record<string, unknown>> {
  // esbuild (tsx's compiler) runs its synchronous calls through a worker thread that then lives as
  // long as the process: another V8 instance, about 10 MiB of a master's memory, and a child
  // process. Without it each compile is one short-lived esbuild process (and tsx caches them).
  process.env.ESBUILD_WORKER_THREADS ??= '0';
  const require = createRequire(import.meta.url);
  const cache = require.cache;
  const before = new Set(Object.keys(cache));
  // `require`, not `import`: an ES module stays in the loader's map for good; CommonJS can leave.
  const { register } = require('tsx/cjs/api') as typeof TsxCjs;
  const tsx = register({ namespace: `bb-config-${Date.now()}` });
  try {
    return tsx.require(file, import.meta.url) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && code !== 'ERR_REQUIRE_ESM') throw err;
  } finally {
    tsx.unregister();
    // tsx turned source maps on and turns them off again; stack traces from the config's
    // functions (filters, fileIsImportant) keep pointing at the .ts lines.
    process.setSourceMapsEnabled(true);
    for (const key of Object.keys(cache)) {
      if (!before.has(key) && !key.includes(`${sep}node_modules${sep}`)) delete cache[key];
    }
    // tsx requires its ES lexer a microtask after it loads; drop tsx and esbuild once that is in.
    setImmediate(() => {
      for (const key of Object.keys(cache)) if (!before.has(key) && TSX_FILE.test(key)) delete cache[key];
    });
  }
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
}

/**
 * A .ts file outside an ESM package is compiled to CommonJS; Node then hands over its whole
 * `module.exports` (marked `__esModule`) as the default, and the config is one level further in.
 */
function defaultExport(mod: Record<string, unknown>): unknown {
  const value = mod.default;
  if (value !== null && typeof value === 'object' && (value as { __esModule?: unknown }).__esModule === true) {
    return (value as { default?: unknown }).default;
  }
  return value;
}

/** The thrown error's message, and where in the config file it was thrown when the stack shows it. */
export function describeThrown(err: unknown, file: string): string {
  if (!(err instanceof Error)) return oneLine(String(err));
  const message = oneLine(err.message || err.name);
  const url = pathToFileURL(file).href;
  const frame = (err.stack ?? '')
    .split('\n')
    .slice(1)
    .find((line) => line.includes(url) || line.includes(file));
  const where = frame ? /:(\d+):(\d+)\)?\s*$/.exec(frame) : null;
  return where ? `${message} (at ${displayFile(file)}:${where[1]}:${where[2]})` : message;
}

/** esbuild's syntax errors span lines and loaders may name a module by a long data: URL; a problem is one short line. */
function oneLine(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/data:[^\s)'"]{40,}/g, 'data:…');
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
