import type { Logger } from '../../log.js';
import type { BackoffOptions } from './backoff.js';

/** A channel to join, with its key if it has one. */
export interface IrcChannel {
  name: string;
  key?: string;
}

export interface IrcTransportOptions {
  /** Server host name (checked against its TLS certificate) or IP address. */
  host: string;
  /** Default 6697 with TLS, 6667 without. */
  port?: number;
  /** Connect with TLS. Default true. */
  tls?: boolean;
  /** PEM file of the certificate authorities to trust for this server instead of the system's. */
  ca?: string;
  /**
   * Refuse a server whose certificate does not verify. Default true; only an explicit `false`
   * turns verification off (for a test network, never for a real one).
   */
  rejectUnauthorized?: boolean;
  /** The nick people address (`bb: status`); alternatives are used while it is taken. */
  nick: string;
  /** Default: the nick. */
  username?: string;
  /** "Real name". Default `bb CI bot`. */
  gecos?: string;
  /** Server password (PASS), for servers that need one. */
  password?: string;
  /** Log in to services with SASL PLAIN while connecting (preferred). */
  sasl?: { account: string; password: string };
  /** Or log in by `IDENTIFY <account> <password>` to NickServ after registering. */
  nickserv?: { password: string; /** Default: the nick. */ account?: string; /** Default `NickServ`. */ service?: string };
  /** Channels to join, again after every reconnect: `#bb` or `{ name: '#bb', key: 'secret' }`. */
  channels?: Array<string | IrcChannel>;
  /**
   * Longest text of one line, in bytes. Default: what fits in the 512-byte IRC line after the
   * prefix the server adds (computed from NICKLEN, USERLEN and HOSTLEN, about 390 bytes).
   */
  messageMaxBytes?: number;
  /**
   * Outgoing pace, shared by every line bb sends: `burst` lines at once, then one per
   * `intervalMs`. Default 4 and 1000 ms, which matches the slowest common server drain (InspIRCd's
   * default 1 line/s), so no amount of output gets the bot flood-kicked; a server that allows more
   * (Ergo: 2 lines/s after a burst of 5) can take `intervalMs: 500`.
   */
  throttle?: { burst?: number; intervalMs?: number; /** Lines held at most. Default 2000. */ maxQueued?: number };
  /** Most lines of one reply (longer ones end in `… N more lines: hint`). Default 5 in channels, 20 in DMs. */
  maxLines?: { channel?: number; direct?: number };
  /** Where the rest of a cut reply can be read, unless a send gives its own. Default: none. */
  moreHint?: { channel?: string; direct?: string };
  /** Answer to CTCP VERSION. Default `bb`. */
  version?: string;
  /** Reconnect delays. Default 1 s doubling to 5 min, 30 % jitter; retried forever. */
  reconnect?: Partial<BackoffOptions>;
  /** A connection that stayed up this long resets the backoff. Default 60 s. */
  stableAfterMs?: number;
  /** How long a connect plus registration may take before it is dropped and retried. Default 30 s. */
  connectTimeoutMs?: number;
  /**
   * How often to try again to get the configured nick back while using an alternative. Default
   * 60 s. Besides, the nick is asked for at once when the server says it is free (MONITOR, or its
   * holder leaving a shared channel), and services are asked to free it (REGAIN, else GHOST) as
   * soon as the bot is logged in to its account.
   */
  regainNickMs?: number;
  /**
   * Asked before services are told to disconnect the nick's holder (REGAIN, GHOST); false leaves
   * it be. A master passes "do I still lead?", so an old leader never takes the nick back.
   */
  mayTakeNick?: () => Promise<boolean>;
  /** Timeout of WHOIS and NAMES queries. Default 10 s. */
  queryTimeoutMs?: number;
  /** Seconds between keepalive PINGs and of silence before the link counts as dead. Default 30 and 120. */
  ping?: { intervalSec?: number; timeoutSec?: number };
  /** Private messages from these nicks are never commands. Default: the usual services names. */
  ignoreNicks?: string[];
  log?: Logger;
  /** For tests: the source of randomness (jitter, nick digits). */
  random?: () => number;
}

export const SERVICE_NICKS = ['NickServ', 'ChanServ', 'SaslServ', 'OperServ', 'MemoServ', 'Global', 'BotServ', 'HostServ'];

/** The options with every default filled in. */
export interface ResolvedIrcOptions {
  host: string;
  port: number;
  tls: boolean;
  ca?: string;
  rejectUnauthorized: boolean;
  nick: string;
  username: string;
  gecos: string;
  password?: string;
  sasl?: { account: string; password: string };
  nickserv?: { password: string; account: string; service: string };
  channels: IrcChannel[];
  messageMaxBytes?: number;
  throttle: { burst: number; intervalMs: number; maxQueued: number };
  maxLines: { channel: number; direct: number };
  moreHint: { channel?: string; direct?: string };
  version: string;
  reconnect: BackoffOptions;
  stableAfterMs: number;
  connectTimeoutMs: number;
  regainNickMs: number;
  mayTakeNick?: () => Promise<boolean>;
  queryTimeoutMs: number;
  ping: { intervalSec: number; timeoutSec: number };
  ignoreNicks: string[];
  random: () => number;
}

export function resolveOptions(o: IrcTransportOptions): ResolvedIrcOptions {
  if (!o.host) throw new Error('IRC options: host is required');
  if (!o.nick || /[\s,:!@]/.test(o.nick)) throw new Error(`IRC options: nick "${o.nick}" is not a valid nick`);
  if (o.sasl && o.nickserv) throw new Error('IRC options: give sasl or nickserv, not both');
  const tls = o.tls ?? true;
  return {
    host: o.host,
    port: o.port ?? (tls ? 6697 : 6667),
    tls,
    ...(o.ca ? { ca: o.ca } : {}),
    rejectUnauthorized: o.rejectUnauthorized !== false,
    nick: o.nick,
    username: o.username ?? o.nick,
    gecos: o.gecos ?? 'bb CI bot',
    ...(o.password ? { password: o.password } : {}),
    ...(o.sasl ? { sasl: o.sasl } : {}),
    ...(o.nickserv
      ? { nickserv: { password: o.nickserv.password, account: o.nickserv.account ?? o.nick, service: o.nickserv.service ?? 'NickServ' } }
      : {}),
    channels: (o.channels ?? []).map((c) => (typeof c === 'string' ? { name: c } : c)),
    ...(o.messageMaxBytes ? { messageMaxBytes: o.messageMaxBytes } : {}),
    throttle: { burst: o.throttle?.burst ?? 4, intervalMs: o.throttle?.intervalMs ?? 1000, maxQueued: o.throttle?.maxQueued ?? 2000 },
    maxLines: { channel: o.maxLines?.channel ?? 5, direct: o.maxLines?.direct ?? 20 },
    moreHint: { ...o.moreHint },
    version: o.version ?? 'bb',
    reconnect: { initialMs: o.reconnect?.initialMs ?? 1000, maxMs: o.reconnect?.maxMs ?? 300_000, jitter: o.reconnect?.jitter ?? 0.3 },
    stableAfterMs: o.stableAfterMs ?? 60_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 30_000,
    regainNickMs: o.regainNickMs ?? 60_000,
    ...(o.mayTakeNick ? { mayTakeNick: o.mayTakeNick } : {}),
    queryTimeoutMs: o.queryTimeoutMs ?? 10_000,
    ping: { intervalSec: o.ping?.intervalSec ?? 30, timeoutSec: o.ping?.timeoutSec ?? 120 },
    ignoreNicks: o.ignoreNicks ?? SERVICE_NICKS,
    random: o.random ?? Math.random,
  };
}
