import { dirname, resolve } from 'node:path';
import { describeThrown, importConfigModule } from './import-module.js';
import { ConfigError } from './errors.js';
import type { MasterConfig } from './schema.js';
import { validateConfig } from './validate.js';

export { ConfigError, type ConfigProblem } from './errors.js';
export { resolveSecrets } from './secrets.js';

export interface LoadedConfig {
  /** The config file, absolute. */
  path: string;
  config: MasterConfig;
  /** Executor name → shared secret, read from wherever the config says. */
  secrets: Map<string, string>;
}

/**
 * Loads a master config module (TypeScript, default export `defineConfig({...})`) and checks it
 * completely before anything starts. Throws a ConfigError listing every problem, each with its path
 * (`builders[2].steps[1].command`) and what to do. Relative `secretFile`s start at the file's directory.
 */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  const raw = await importConfigModule(file);
  try {
    const { config, secrets } = validateConfig(raw, { file, baseDir: dirname(file) });
    return { path: file, config, secrets };
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // A getter that throws, a proxy that refuses: the config cannot even be read.
    throw new ConfigError(file, [{ path: '', message: `reading the config failed: ${describeThrown(err, file)}` }]);
  }
}
