import { randomBytes } from 'node:crypto';
import { executorControlQueueName, executorEventsQueueName, executorQueueName } from './jobs.js';
import { sessionKey } from './session.js';

/**
 * Redis ACL users that give each process only what it needs. Each executor's user reaches only
 * its own queues (jobs, stop requests, its events) and may only read the master's signed session
 * record for it; the master's user reaches every key under the prefix. Both may run the commands
 * BullMQ uses (scripts, blocking pops, streams, INFO for its version check) but none of Redis's
 * dangerous ones (CONFIG, KEYS, FLUSHALL, MONITOR, DEBUG, ACL …), and no Pub/Sub channel.
 */
export interface AclUser {
  user: string;
  password: string;
  /** The rules after the password, as `ACL SETUSER` and an ACL file take them. */
  rules: string[];
  /** What the user is for: `master` or `executor <name>`. */
  role: string;
}

const COMMANDS = ['resetchannels', '-@all', '+@read', '+@write', '+@keyspace', '+@scripting', '+@blocking', '+@transaction', '+@connection', '+@fast', '+@slow', '-@dangerous', '-@admin', '+info'];

/** Glob characters in a key prefix match only themselves. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export function aclUsers(prefix: string, executors: string[], password: () => string = () => randomBytes(24).toString('hex')): AclUser[] {
  const p = globEscape(prefix);
  const users: AclUser[] = [{ user: `${prefix}-master`, password: password(), rules: [`~${p}:*`, ...COMMANDS], role: 'master' }];
  for (const name of executors) {
    const keys = [executorQueueName(name), executorControlQueueName(name), executorEventsQueueName(name)].map((q) => `~${p}:${globEscape(q)}:*`);
    users.push({
      user: `${prefix}-exec-${name}`,
      password: password(),
      rules: [...keys, `%R~${globEscape(sessionKey(prefix, name))}`, ...COMMANDS],
      role: `executor ${name}`,
    });
  }
  return users;
}

/** One `user …` line of an ACL file (the password in clear: keep the file private). */
export function aclFileLine(u: AclUser): string {
  return `user ${u.user} on >${u.password} resetkeys ${u.rules.join(' ')}`;
}

/** The arguments of `ACL SETUSER` for the same user. */
export function aclSetUserArgs(u: AclUser): string[] {
  return [u.user, 'reset', 'on', `>${u.password}`, 'resetkeys', ...u.rules];
}
