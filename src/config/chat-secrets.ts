import { ConfigError } from './errors.js';
import type { LocatedProblem } from './issues.js';
import { formatPath } from './path.js';
import { isRecord } from './raw.js';
import type { ChatConfig } from './schema.js';

/** Every place in `chat` that holds a secret reference `{ value }` or `{ env }`. */
export const CHAT_SECRET_PATHS = [
  ['irc', 'password'],
  ['irc', 'sasl', 'password'],
  ['irc', 'nickserv', 'password'],
  ['matrix', 'accessToken'],
  ['matrix', 'login', 'password'],
] as const;

export type ChatSecretPath = 'irc.password' | 'irc.sasl.password' | 'irc.nickserv.password' | 'matrix.accessToken' | 'matrix.login.password';

/** The chat section's secrets, by their dotted path under `chat`. */
export type ChatSecrets = ReadonlyMap<ChatSecretPath, string>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the chat section's secret references: each is `{ value }` (the secret itself) or `{ env }`
 * (an environment variable of the master, which must be set when the config loads; its value is
 * trimmed). Works on the raw config, so problems are reported with the schema's.
 */
export function readChatSecrets(config: unknown, env: NodeJS.ProcessEnv = process.env): { secrets: Map<ChatSecretPath, string>; problems: LocatedProblem[] } {
  const secrets = new Map<ChatSecretPath, string>();
  const problems: LocatedProblem[] = [];
  const chat = isRecord(config) ? config.chat : undefined;
  for (const path of CHAT_SECRET_PATHS) {
    const ref = walk(chat, path);
    if (!isRecord(ref)) continue; // absent, or the schema's to report
    const at = ['chat', ...path];
    const { value, env: name } = ref;
    if ((value === undefined) === (name === undefined)) {
      problems.push({ at, message: `give exactly one of value or env (${value === undefined ? 'none is set' : 'found both'}); env keeps the secret out of the config file` });
      continue;
    }
    if (typeof value === 'string') {
      if (value) secrets.set(path.join('.') as ChatSecretPath, value);
      continue;
    }
    if (typeof name !== 'string' || !ENV_NAME.test(name)) continue;
    const secret = env[name]?.trim();
    if (!secret) {
      problems.push({ at: [...at, 'env'], message: `environment variable ${name} is not set; set it to the ${describe(path)} before starting the master` });
      continue;
    }
    secrets.set(path.join('.') as ChatSecretPath, secret);
  }
  return { secrets, problems };
}

/**
 * The chat secrets of a validated config. Throws a ConfigError naming every reference that
 * cannot be read (an environment variable unset since the config was loaded).
 */
export function resolveChatSecrets(chat: ChatConfig, env: NodeJS.ProcessEnv = process.env, file = ''): ChatSecrets {
  const { secrets, problems } = readChatSecrets({ chat }, env);
  if (problems.length) throw new ConfigError(file, problems.map((p) => ({ path: formatPath(p.at), message: p.message })));
  return secrets;
}

function walk(from: unknown, path: readonly string[]): unknown {
  let at = from;
  for (const key of path) at = isRecord(at) ? at[key] : undefined;
  return at;
}

const WHAT: Record<ChatSecretPath, string> = {
  'irc.password': 'IRC server password',
  'irc.sasl.password': 'IRC SASL password',
  'irc.nickserv.password': 'NickServ password',
  'matrix.accessToken': 'Matrix access token',
  'matrix.login.password': 'Matrix login password',
};

function describe(path: readonly string[]): string {
  return WHAT[path.join('.') as ChatSecretPath];
}
