import { VERSION } from '../src/version.js';

/** bb's version, for the executor's hello (the same constant `bb --version` prints). */
export function executorVersion(): string {
  return VERSION;
}
