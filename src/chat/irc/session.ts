import irc from 'irc-framework';
import { alternativeNick } from './nick-fallback.js';
import type { ResolvedIrcOptions } from './options.js';
import { IrcSocket, type SocketExtras } from './socket-transport.js';
import type { IrcStatus } from './status.js';
import type { SessionEnd } from './supervisor.js';

export interface Session {
  client: irc.Client;
  /** Resolves once, when the connection has ended for good (never rejects). */
  ended: Promise<SessionEnd>;
  /** Ends the connection: QUIT, then the socket is destroyed if it lingers. */
  close(message: string): void;
}

export interface SessionHooks {
  status(s: IrcStatus): void;
  /** Called before connecting: add the listeners for messages and channel events. */
  wire(client: irc.Client): void;
  /** The server accepted the registration (after SASL, if any). */
  registered(client: irc.Client): void;
}

/**
 * One connection to the server: connect (TLS verified), register, take an alternative nick while
 * the configured one is taken, log in by SASL when configured. The library's own reconnect is
 * off; when this connection ends, `ended` resolves and the supervisor decides what next.
 */
export function openSession(o: ResolvedIrcOptions, attempt: number, hooks: SessionHooks): Session {
  let socket: IrcSocket | null = null;
  class CapturedSocket extends IrcSocket {
    constructor(options: irc.ConnectOptions & SocketExtras) {
      super(options);
      socket = this;
    }
  }
  const client = new irc.Client();
  let registeredAt = 0;
  let reason = 'connection closed';
  let collisions = 0;
  let finish: (end: SessionEnd) => void = () => {};
  const ended = new Promise<SessionEnd>((resolve) => (finish = resolve));
  let done = false;
  let killTimer: NodeJS.Timeout | undefined;
  let registerTimer: NodeJS.Timeout | undefined;
  const end = (why?: string) => {
    if (done) return;
    done = true;
    clearTimeout(registerTimer);
    clearTimeout(killTimer);
    finish({ reason: why ?? reason, registeredMs: registeredAt ? Date.now() - registeredAt : 0 });
    setImmediate(() => client.removeAllListeners());
  };
  const close = (message: string) => {
    if (done) return;
    reason = message;
    client.quit(message);
    killTimer ??= setTimeout(() => socket?.close(true), 2000);
  };
  registerTimer = setTimeout(() => close('connect and registration timed out'), o.connectTimeoutMs);

  client.on('socket connected', () => hooks.status({ kind: 'connected' }));
  const collide = () => {
    if (registeredAt) return; // a failed attempt to regain the nick: keep the one we have
    collisions++;
    const nickLen = Number(client.network.supports('NICKLEN')) || 30;
    client.changeNick(alternativeNick(o.nick, collisions, nickLen, o.random));
  };
  client.on('nick in use', collide);
  client.on('nick invalid', collide);
  client.on('registered', (e) => {
    clearTimeout(registerTimer);
    registeredAt = Date.now();
    hooks.status({ kind: 'registered', nick: e.nick });
    hooks.registered(client);
  });
  client.on('loggedin', (e) => hooks.status({ kind: 'logged-in', account: e.account }));
  client.on('sasl failed', (e) => hooks.status({ kind: 'login-failed', reason: e.message ?? e.reason }));
  client.on('irc error', (e) => {
    if (e.error === 'irc' && e.reason) reason = e.reason; // the server's ERROR line: why it closed us
  });
  client.on('socket close', (err) => {
    if (err && reason === 'connection closed') reason = err.message;
  });
  client.on('raw', (e) => {
    // A CAP REQ after our CAP END (the library asks for nothing on CAP NEW when services link
    // mid-registration) suspends registration again, and the library never ends it: end it here.
    if (!registeredAt && e.from_server && / CAP \S+ (ACK|NAK) /.test(e.line) && !client.network.cap.negotiating) client.raw('CAP END');
  });
  client.on('close', () => end());
  hooks.wire(client);

  hooks.status({ kind: 'connecting', attempt, host: o.host, port: o.port });
  try {
    client.connect({
      host: o.host,
      port: o.port,
      tls: o.tls,
      rejectUnauthorized: o.rejectUnauthorized,
      nick: o.nick,
      username: o.username,
      gecos: o.gecos,
      ...(o.password ? { password: o.password } : {}),
      // `{}` turns SASL off even when a server password is set.
      account: o.sasl ? { account: o.sasl.account, password: o.sasl.password } : {},
      sasl_disconnect_on_fail: false,
      // null: CTCP VERSION reaches bb, which answers through its throttled queue.
      version: null,
      auto_reconnect: false,
      auto_reconnect_max_retries: 0,
      ping_interval: o.ping.intervalSec,
      ping_timeout: o.ping.timeoutSec,
      enable_echomessage: false,
      transport: CapturedSocket,
      bb_connect_timeout_ms: o.connectTimeoutMs,
      ...(o.ca ? { bb_ca: o.ca } : {}),
    });
  } catch (err) {
    end(`could not connect: ${(err as Error).message}`);
  }
  return { client, ended, close };
}
