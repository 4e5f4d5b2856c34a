import type { MasterConfigInput } from './schema.js';

/**
 * Types a master config module: `export default defineConfig({...})`. It returns its argument
 * unchanged; `loadConfig` validates it. The options are documented in `schema.ts`.
 */
export function defineConfig(input: MasterConfigInput): MasterConfigInput {
  return input;
}
