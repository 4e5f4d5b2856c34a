import type { LocatedProblem } from '../issues.js';
import { isRecord, type RawRecord } from '../raw.js';

/**
 * The users section: the SMTP password is given exactly one way, and an environment variable
 * named for it is set when the config loads (so a master never starts unable to mail codes).
 */
export function checkUsers(config: RawRecord, env: NodeJS.ProcessEnv = process.env): LocatedProblem[] {
  const smtp = isRecord(config.users) ? config.users.smtp : undefined;
  const auth = isRecord(smtp) ? smtp.auth : undefined;
  const pass = isRecord(auth) ? auth.pass : undefined;
  if (!isRecord(pass)) return [];
  const at = ['users', 'smtp', 'auth', 'pass'];
  const { value, env: name } = pass;
  if ((value === undefined) === (name === undefined)) {
    return [{ at, message: `give exactly one of value or env (${value === undefined ? 'none is set' : 'found both'}); env keeps the secret out of the config file` }];
  }
  if (typeof name === 'string' && !env[name]?.trim()) return [{ at: [...at, 'env'], message: `the environment variable ${name} is not set` }];
  return [];
}
