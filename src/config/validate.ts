import { crossCheck } from './checks/index.js';
import { describeValue } from './describe.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { configErrorMap, schemaProblems, type LocatedProblem } from './issues.js';
import { formatPath } from './path.js';
import { isRecord } from './raw.js';
import { masterConfigSchema, type MasterConfig } from './schema.js';
import { readSecrets } from './secrets.js';
import { readChatSecrets } from './chat-secrets.js';
import { readHttpSecrets } from './http-secrets.js';

export interface ValidatedConfig {
  config: MasterConfig;
  /** Executor name → secret. */
  secrets: Map<string, string>;
}

export interface ValidateOptions {
  /** The config file, for error messages. */
  file: string;
  /** Where relative `secretFile` paths start. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Checks a config object (a config module's default export) as a whole: the schema, the checks
 * across options, and the executors' secrets, all run even when an earlier one fails, so the
 * ConfigError lists every problem at once, in the order they appear in the config.
 */
export function validateConfig(raw: unknown, opts: ValidateOptions): ValidatedConfig {
  if (!isRecord(raw)) {
    throw new ConfigError(opts.file, [
      { path: '', message: `the default export is ${describeValue(raw)}; export the object from defineConfig({...})` },
    ]);
  }
  const parsed = masterConfigSchema.safeParse(raw, { error: configErrorMap });
  const { secrets, problems: secretProblems } = readSecrets(raw, opts.baseDir, opts.env);
  const chatSecretProblems = readChatSecrets(raw, opts.env).problems;
  const httpSecretProblems = readHttpSecrets(raw, opts.env).problems;
  const located = [...(parsed.success ? [] : schemaProblems(parsed.error.issues)), ...crossCheck(raw), ...secretProblems, ...chatSecretProblems, ...httpSecretProblems];
  if (!parsed.success || located.length) throw new ConfigError(opts.file, inConfigOrder(raw, located));
  return { config: parsed.data, secrets };
}

/** Sort by top-level option (as written in the file), then by the entry's index; otherwise as found. */
function inConfigOrder(raw: Record<string, unknown>, problems: LocatedProblem[]): ConfigProblem[] {
  const written = Object.keys(raw);
  const schemaKeys = Object.keys(masterConfigSchema.shape);
  const rank = (key: PropertyKey | undefined) => {
    const k = String(key);
    const i = written.indexOf(k);
    return i >= 0 ? i : written.length + Math.max(0, schemaKeys.indexOf(k));
  };
  const sortKey = (p: LocatedProblem) => [p.at.length ? rank(p.at[0]) : -1, typeof p.at[1] === 'number' ? p.at[1] : -1];
  return problems
    .map((p, i) => ({ p, key: sortKey(p), i }))
    .sort((a, b) => a.key[0]! - b.key[0]! || a.key[1]! - b.key[1]! || a.i - b.i)
    .map(({ p }) => ({ path: formatPath(p.at), message: p.message }));
}
