import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { formatPath } from './path.js';
import type { LocatedProblem } from './issues.js';
import { records, stringAt } from './raw.js';
import type { MasterConfig } from './schema.js';

/** The shortest secret bb accepts, wherever it comes from. */
export const MIN_SECRET_LENGTH = 16;
const SOURCES = ['secret', 'secretEnv', 'secretFile'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretsRead {
  /** Executor name → its secret, for every executor whose secret could be read. */
  secrets: Map<string, string>;
  problems: LocatedProblem[];
}

/**
 * Reads each executor's secret from where the config says (the value itself, an environment
 * variable or a file; env and file values are trimmed, as the executor trims them). Works on the
 * raw config too, so its problems can be reported with the schema's.
 */
export function readSecrets(config: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): SecretsRead {
  const secrets = new Map<string, string>();
  const problems: LocatedProblem[] = [];
  for (const { index, value } of records(config, 'executors')) {
    const given = SOURCES.filter((k) => value[k] !== undefined);
    if (given.length !== 1) {
      const found = given.length ? `found ${given.join(' and ')}` : 'none is set';
      problems.push({
        at: ['executors', index],
        message: `give exactly one of secret, secretEnv or secretFile (${found}); secretEnv keeps the secret out of the config file`,
      });
      continue;
    }
    const read = readOne(given[0]!, value[given[0]!], baseDir, env);
    if (read === undefined) continue;
    if ('problem' in read) problems.push({ at: ['executors', index, given[0]!], message: read.problem });
    else {
      const name = stringAt(value, 'name');
      if (name !== undefined) secrets.set(name, read.secret);
    }
  }
  return { secrets, problems };
}

type Read = { secret: string } | { problem: string } | undefined;

function readOne(source: (typeof SOURCES)[number], setting: unknown, baseDir: string, env: NodeJS.ProcessEnv): Read {
  // Values of the wrong type or form are the schema's to report.
  if (typeof setting !== 'string') return undefined;
  if (source === 'secret') return setting.length >= MIN_SECRET_LENGTH ? { secret: setting } : undefined;
  if (source === 'secretEnv') {
    if (!ENV_NAME.test(setting)) return undefined;
    const secret = env[setting]?.trim();
    if (!secret) return { problem: `environment variable ${setting} is not set; set it to this executor's secret before loading the config` };
    return checkLength(secret, `environment variable ${setting}`);
  }
  if (!setting) return undefined;
  const file = resolve(baseDir, setting);
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { problem: `cannot read ${file} (${reason}); create it with the executor's secret or fix the path (relative paths start at the config file's directory)` };
  }
  return checkLength(secret, file);
}

function checkLength(secret: string, where: string): Read {
  if (secret.length >= MIN_SECRET_LENGTH) return { secret };
  return { problem: `${where} holds ${secret.length ? `only ${secret.length} characters` : 'nothing'}; a secret needs at least ${MIN_SECRET_LENGTH}` };
}

/**
 * Executor name → secret for a validated config. Throws a ConfigError listing every executor whose
 * secret cannot be read. `baseDir` is where relative `secretFile` paths start (the config file's
 * directory when loaded by `loadConfig`).
 */
export function resolveSecrets(config: MasterConfig, baseDir: string = process.cwd(), file = ''): Map<string, string> {
  const { secrets, problems } = readSecrets(config, baseDir);
  if (problems.length) throw new ConfigError(file, problems.map((p) => ({ path: formatPath(p.at), message: p.message })));
  return secrets;
}
