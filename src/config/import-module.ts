import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { require as tsxRequire } from 'tsx/cjs/api';
import { ConfigError, displayFile } from './errors.js';

/**
 * Imports a TypeScript config module (the process itself runs compiled JavaScript) and returns its
 * default export. tsx compiles just that module and what it imports, in this thread: its CommonJS
 * loader costs a third of the time and half the memory of its ESM loader, which keeps a loader
 * thread for the rest of the process. A module only ESM can run (top-level await) goes through the
 * ESM loader instead. Everything that stops that (no file, the module throws, no default export) is a
 * ConfigError about the file as a whole.
 */
export async function importConfigModule(file: string): Promise<unknown> {
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
  const value = defaultExport(mod);
  if (value === undefined) throw fail('the module has no default export; end it with "export default defineConfig({...})"');
  return value;
}

/**
 * The config through tsx's CommonJS loader, evaluated afresh each time (a reload must see the file
 * as it is now): the modules this load added to the require cache, other than packages, are
 * dropped from it again.
 */
async function importTs(file: string): Promise<Record<string, unknown>> {
  const cache = createRequire(import.meta.url).cache;
  const before = new Set(Object.keys(cache));
  try {
    return tsxRequire(file, import.meta.url) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && code !== 'ERR_REQUIRE_ESM') throw err;
  } finally {
    for (const key of Object.keys(cache)) {
      if (!before.has(key) && !key.includes(`${sep}node_modules${sep}`)) delete cache[key];
    }
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
function describeThrown(err: unknown, file: string): string {
  if (!(err instanceof Error)) return String(err);
  // esbuild's syntax errors span lines; a problem is one line.
  const message = (err.message || err.name)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
  const url = pathToFileURL(file).href;
  const frame = (err.stack ?? '')
    .split('\n')
    .slice(1)
    .find((line) => line.includes(url) || line.includes(file));
  const where = frame ? /:(\d+):(\d+)\)?\s*$/.exec(frame) : null;
  return where ? `${message} (at ${displayFile(file)}:${where[1]}:${where[2]})` : message;
}
