import type { MasterConfigInput } from '../../src/config/schema.js';
import { writeConfig } from './bb.js';

/**
 * A test's master config as a typed object (the config schema's input type, as `defineConfig`
 * takes it), so a test changes it by spreading, never by editing source text. `PREFIX` and
 * `BASEDIR` in its strings become the test's key prefix and master directory when it is written
 * (PipelineFixture.create). Tests of the config file's own syntax keep writing source text.
 */
export type TestConfig = MasterConfigInput;

/** A config with the test's prefix and master directory filled in: pass the rest. */
export function testConfig(c: Omit<TestConfig, 'redis' | 'basedir'> & Partial<Pick<TestConfig, 'redis' | 'basedir'>>): TestConfig {
  return { redis: { prefix: 'PREFIX' }, basedir: 'BASEDIR', ...c };
}

/** The source text of the object literal given to `defineConfig` (data only: a function cannot be written to a file). */
export function renderConfig(c: TestConfig): string {
  return JSON.stringify(
    c,
    (key, v: unknown) => {
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw new Error(`config ${key}: a ${typeof v} cannot be written to a config file; write the file's source instead`);
      if (v instanceof RegExp) throw new Error(`config ${key}: a RegExp cannot be written as JSON; write the file's source instead`);
      return v;
    },
    2,
  );
}

/** One scheduler, builder or executor of a test config (for `satisfies`, so a test can spread and change it). */
export type SchedulerInput = NonNullable<TestConfig['schedulers']>[number];
export type BuilderInput = NonNullable<TestConfig['builders']>[number];
export type ExecutorInput = NonNullable<TestConfig['executors']>[number];

/** Writes `c` to `dir` as a master config file (for tests that run a master without a PipelineFixture; no placeholders are filled in); returns its path. */
export function writeTestConfig(dir: string, c: TestConfig, name?: string): string {
  return writeConfig(dir, renderConfig(c), name);
}
