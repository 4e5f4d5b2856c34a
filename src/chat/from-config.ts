import { join, resolve } from 'node:path';
import type { ChatSecrets } from '../config/chat-secrets.js';
import type { ChatConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { BacklogRules } from './backlog.js';
import type { BackoffOptions } from './irc/backoff.js';
import type { DrainTuning } from './outbox-drain.js';
import type { IrcTransportOptions } from './irc/options.js';
import type { MatrixTransportOptions } from './matrix/options.js';

type IrcConfig = NonNullable<ChatConfig['irc']>;
type MatrixConfig = NonNullable<ChatConfig['matrix']>;

/**
 * Transport options the config does not offer (reconnect pacing, timeouts), laid over what the
 * config gives. Tests make reconnects fast with these; a master normally leaves them out.
 */
export interface ChatTuning {
  irc?: Partial<IrcTransportOptions>;
  matrix?: Partial<MatrixTransportOptions>;
  /** Retries of a transport whose start failed (Matrix). Default 5 s doubling to 5 min. */
  startRetry?: BackoffOptions;
  /** When outbox entries count as late and how a backlog is summarised (src/chat/backlog.ts). */
  backlog?: Partial<BacklogRules>;
  /** Retry pacing of the outbox. */
  drain?: DrainTuning;
}

export interface PathsAndLog {
  /** Where relative paths (`ca`, `storageFile`) start: the config file's directory. */
  baseDir: string;
  /** The master's state directory (absolute); the Matrix state file defaults to `<stateDir>/matrix-state.json`. */
  stateDir: string;
  log: Logger;
  version: string;
}

/** The IRC transport's options from `chat.irc` and its resolved secrets. */
export function ircOptions(irc: IrcConfig, secrets: ChatSecrets, p: PathsAndLog, tuning: Partial<IrcTransportOptions> = {}): IrcTransportOptions {
  const password = secrets.get('irc.password');
  const sasl = secrets.get('irc.sasl.password');
  const nickserv = secrets.get('irc.nickserv.password');
  return {
    host: irc.host,
    ...(irc.port ? { port: irc.port } : {}),
    tls: irc.tls,
    ...(irc.ca ? { ca: resolve(p.baseDir, irc.ca) } : {}),
    rejectUnauthorized: irc.rejectUnauthorized,
    nick: irc.nick,
    ...(irc.username ? { username: irc.username } : {}),
    ...(irc.gecos ? { gecos: irc.gecos } : {}),
    ...(password ? { password } : {}),
    ...(irc.sasl && sasl ? { sasl: { account: irc.sasl.account, password: sasl } } : {}),
    ...(irc.nickserv && nickserv ? { nickserv: { password: nickserv, ...(irc.nickserv.account ? { account: irc.nickserv.account } : {}) } } : {}),
    channels: irc.channels.map((c) => (typeof c === 'string' ? c : { name: c.name, ...(c.key ? { key: c.key } : {}) })),
    ...(irc.throttle ? { throttle: { ...irc.throttle } } : {}),
    ...(irc.maxLines ? { maxLines: { ...irc.maxLines } } : {}),
    version: `bb ${p.version}`,
    log: p.log,
    ...tuning,
  };
}

/** The Matrix transport's options from `chat.matrix` and its resolved secrets. */
export function matrixOptions(
  matrix: MatrixConfig,
  botName: string,
  secrets: ChatSecrets,
  p: PathsAndLog,
  tuning: Partial<MatrixTransportOptions> = {},
): MatrixTransportOptions {
  const accessToken = secrets.get('matrix.accessToken');
  const password = secrets.get('matrix.login.password');
  return {
    homeserverUrl: matrix.homeserverUrl,
    ...(accessToken ? { accessToken } : {}),
    ...(matrix.login && password ? { login: { user: matrix.login.user, password } } : {}),
    storageFile: matrix.storageFile ? resolve(p.baseDir, matrix.storageFile) : join(p.stateDir, 'matrix-state.json'),
    botName,
    rooms: matrix.rooms,
    invites: matrix.invites,
    log: p.log,
    ...tuning,
  };
}
