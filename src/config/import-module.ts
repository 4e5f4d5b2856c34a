import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigError, displayFile } from './errors.js';

/**
 * Imports a TypeScript config module, whether or not this process runs under tsx, and returns its
 * default export. Everything that stops that (no file, the module throws, no default export) is a
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
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw fail(`loading the module failed: ${describeThrown(err, file)}`);
  }
  const value = defaultExport(mod);
  if (value === undefined) throw fail('the module has no default export; end it with "export default defineConfig({...})"');
  return value;
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
