import { ConfigError } from './errors.js';
import type { LocatedProblem } from './issues.js';
import { formatPath } from './path.js';
import { isRecord } from './raw.js';
import { MIN_SECRET_LENGTH } from './secrets.js';
import type { MasterConfig } from './schema.js';

/** The webhooks and where each keeps its secret, under `http.webhooks`. */
export const WEBHOOK_SECRET_PATHS = {
  github: 'secret',
  gitlab: 'token',
  generic: 'secret',
} as const;

export type WebhookKind = keyof typeof WEBHOOK_SECRET_PATHS;

/** Webhook → its secret, for each webhook configured. */
export type WebhookSecrets = ReadonlyMap<WebhookKind, string>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the webhooks' secret references: `{ value }` (the secret itself) or `{ env }` (an
 * environment variable of the master, set when the config loads; trimmed). Each needs at least
 * 16 characters. Works on the raw config, so problems are reported with the schema's.
 */
export function readHttpSecrets(config: unknown, env: NodeJS.ProcessEnv = process.env): { secrets: Map<WebhookKind, string>; problems: LocatedProblem[] } {
  const secrets = new Map<WebhookKind, string>();
  const problems: LocatedProblem[] = [];
  const http = isRecord(config) ? config.http : undefined;
  const hooks = isRecord(http) ? http.webhooks : undefined;
  for (const [kind, field] of Object.entries(WEBHOOK_SECRET_PATHS) as Array<[WebhookKind, string]>) {
    const hook = isRecord(hooks) ? hooks[kind] : undefined;
    const ref = isRecord(hook) ? hook[field] : undefined;
    if (!isRecord(ref)) continue; // absent, or the schema's to report
    const at = ['http', 'webhooks', kind, field];
    const { value, env: name } = ref;
    if ((value === undefined) === (name === undefined)) {
      problems.push({ at, message: `give exactly one of value or env (${value === undefined ? 'none is set' : 'found both'}); env keeps the secret out of the config file` });
      continue;
    }
    let secret: string | undefined;
    if (typeof value === 'string') secret = value;
    else if (typeof name === 'string' && ENV_NAME.test(name)) {
      secret = env[name]?.trim();
      if (!secret) {
        problems.push({ at: [...at, 'env'], message: `environment variable ${name} is not set; set it to the ${kind} webhook's ${field} before starting the master` });
        continue;
      }
    }
    if (secret === undefined) continue;
    if (secret.length < MIN_SECRET_LENGTH) {
      problems.push({ at: [...at, typeof value === 'string' ? 'value' : 'env'], message: `the ${kind} webhook's ${field} has ${secret.length} characters; use at least ${MIN_SECRET_LENGTH} (e.g. \`openssl rand -hex 20\`)` });
      continue;
    }
    secrets.set(kind, secret);
  }
  return { secrets, problems };
}

/** The webhook secrets of a validated config; throws a ConfigError naming each one that cannot be read now. */
export function resolveHttpSecrets(config: MasterConfig, env: NodeJS.ProcessEnv = process.env, file = ''): WebhookSecrets {
  const { secrets, problems } = readHttpSecrets(config, env);
  if (problems.length) throw new ConfigError(file, problems.map((p) => ({ path: formatPath(p.at), message: p.message })));
  return secrets;
}
