import { validateConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/config/errors.js';

/** Checks a raw config object as `bb` checks a file's export (as `master.ts` in /tmp, no environment). */
export function checkRawConfig(raw: unknown): ReturnType<typeof validateConfig> {
  return validateConfig(raw, { file: 'master.ts', baseDir: '/tmp', env: {} });
}

/** What the check refuses in a raw config, as `path: message` lines; none when it is accepted. Any other error is thrown. */
export function configProblems(raw: unknown): string[] {
  try {
    checkRawConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}
