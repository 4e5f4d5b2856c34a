/**
 * The parts of irc-framework 4.14 that bb uses (the package ships no types; see
 * https://github.com/kiwiirc/irc-framework/issues/166). Written from the library's docs and
 * source; event payloads list the fields bb reads, with `[key: string]: unknown` for the rest.
 * The package is CommonJS: import it as `import irc from 'irc-framework'` and use `irc.Client`.
 */
declare module 'irc-framework' {
  namespace irc {
    type Listener = (...args: any[]) => void;

    /** What irc-framework calls to open a socket; bb passes its own (TLS with a CA file). */
    interface Transport {
      connect(): void;
      writeLine(line: string, cb?: () => void): void;
      isConnected(): boolean;
      disposeSocket(): void;
      close(force?: boolean): void;
      setEncoding(encoding: string): boolean;
      on(event: string, listener: Listener): this;
      emit(event: string, ...args: unknown[]): boolean;
      removeAllListeners(event?: string): this;
    }
    type TransportConstructor = new (options: ConnectOptions) => Transport;

    interface ConnectOptions {
      host: string;
      port?: number;
      tls?: boolean;
      /** Passed to tls.connect by the default transport; undefined means verify. */
      rejectUnauthorized?: boolean;
      nick: string;
      username?: string;
      gecos?: string;
      /** Server password (PASS). Also used for SASL when `account` is falsy. */
      password?: string;
      /** SASL PLAIN credentials; `{}` turns SASL off. */
      account?: { account?: string; password?: string };
      sasl_mechanism?: 'PLAIN' | 'EXTERNAL';
      sasl_disconnect_on_fail?: boolean;
      encoding?: string;
      /** CTCP VERSION reply the library sends itself; null lets `ctcp request` through instead. */
      version?: string | null;
      enable_chghost?: boolean;
      enable_setname?: boolean;
      enable_echomessage?: boolean;
      auto_reconnect?: boolean;
      auto_reconnect_max_wait?: number;
      auto_reconnect_max_retries?: number;
      /** Seconds; 0 turns the periodic PING off. */
      ping_interval?: number;
      /** Seconds without data before the connection is dropped; 0 turns it off. */
      ping_timeout?: number;
      message_max_length?: number;
      transport?: TransportConstructor;
      outgoing_addr?: string;
      client_certificate?: { private_key: string; certificate: string };
      /** bb's own extras ride along: the library hands the options object to the transport. */
      [key: string]: unknown;
    }

    interface PrefixMode {
      symbol: string;
      mode: string;
    }

    interface NetworkInfo {
      name: string;
      server: string;
      ircd: string;
      options: { PREFIX: PrefixMode[]; CASEMAPPING?: string; [key: string]: unknown };
      /** `negotiating`: a CAP exchange the library will end with CAP END is under way. */
      cap: { enabled: string[]; negotiating: boolean; isEnabled(cap: string): boolean };
      supports(name: string): unknown;
    }

    interface UserInfo {
      nick: string;
      username: string;
      gecos: string;
      host: string;
      away: boolean;
      modes: Set<string>;
    }

    interface MessageEvent {
      from_server: boolean;
      nick: string;
      ident: string;
      hostname: string;
      target: string;
      message: string;
      tags: Record<string, string>;
      time?: number;
      /** From the IRCv3 account-tag; undefined when the sender is not logged in. */
      account?: string;
      type?: 'privmsg' | 'notice' | 'action';
      [key: string]: unknown;
    }

    interface CtcpRequestEvent {
      nick: string;
      ident: string;
      hostname: string;
      target: string;
      type: string | null;
      message: string;
      account?: string;
      [key: string]: unknown;
    }

    interface RegisteredEvent {
      nick: string;
      [key: string]: unknown;
    }

    interface NickInUseEvent {
      nick: string;
      reason: string;
      [key: string]: unknown;
    }

    interface JoinEvent {
      nick: string;
      ident: string;
      hostname: string;
      channel: string;
      /** With extended-join: the account, or false when not logged in. */
      account?: string | false;
      gecos: string;
      [key: string]: unknown;
    }

    interface PartEvent {
      nick: string;
      channel: string;
      message: string;
      [key: string]: unknown;
    }

    interface KickEvent {
      kicked: string;
      nick: string;
      channel: string;
      message: string;
      [key: string]: unknown;
    }

    interface QuitEvent {
      nick: string;
      message: string;
      [key: string]: unknown;
    }

    interface NickEvent {
      nick: string;
      new_nick: string;
      [key: string]: unknown;
    }

    interface UserlistEvent {
      channel: string;
      users: Array<{ nick: string; ident: string; hostname: string; modes: string[] }>;
      [key: string]: unknown;
    }

    interface WhoisEvent {
      nick: string;
      ident?: string;
      hostname?: string;
      real_name?: string;
      /** RPL_WHOISIDLE seconds, as sent. */
      idle?: string;
      logon?: string;
      account?: string;
      away?: string;
      operator?: string;
      channels?: string;
      /** `not_found` when the nick is not online. */
      error?: string;
      [key: string]: unknown;
    }

    interface WhoEvent {
      target: string;
      users: Array<{ nick: string; ident: string; hostname: string; channel: string; away: boolean; account?: string; channel_modes?: string[]; [key: string]: unknown }>;
    }

    interface LoggedInEvent {
      nick: string;
      account: string;
      [key: string]: unknown;
    }

    interface SaslFailedEvent {
      reason: 'fail' | 'nick_locked' | 'too_long' | 'capability_missing' | 'unsupported_mechanism' | string;
      message?: string;
      [key: string]: unknown;
    }

    interface IrcErrorEvent {
      error: string;
      reason?: string;
      channel?: string;
      nick?: string;
      [key: string]: unknown;
    }

    interface RawEvent {
      line: string;
      from_server: boolean;
    }

    interface ClientEvents {
      registered: (e: RegisteredEvent) => void;
      connected: (e: RegisteredEvent) => void;
      'socket connected': () => void;
      'socket close': (err?: Error | false) => void;
      /** The connection ended and (with auto_reconnect off) will not be retried by the library. */
      close: (hadError: boolean) => void;
      privmsg: (e: MessageEvent) => void;
      notice: (e: MessageEvent) => void;
      action: (e: MessageEvent) => void;
      message: (e: MessageEvent) => void;
      'ctcp request': (e: CtcpRequestEvent) => void;
      'ctcp response': (e: CtcpRequestEvent) => void;
      'nick in use': (e: NickInUseEvent) => void;
      'nick invalid': (e: NickInUseEvent) => void;
      join: (e: JoinEvent) => void;
      part: (e: PartEvent) => void;
      kick: (e: KickEvent) => void;
      quit: (e: QuitEvent) => void;
      nick: (e: NickEvent) => void;
      userlist: (e: UserlistEvent) => void;
      whois: (e: WhoisEvent) => void;
      loggedin: (e: LoggedInEvent) => void;
      loggedout: (e: LoggedInEvent) => void;
      /** One ISUPPORT (005) line was read: `client.network.supports()` knows more. */
      'server options': (e: { options: Record<string, unknown>; [key: string]: unknown }) => void;
      /** MONITOR (RPL_MONOFFLINE): these nicks are not online. */
      'users offline': (e: { nicks: string[]; [key: string]: unknown }) => void;
      /** MONITOR (RPL_MONONLINE) or ISON: these nicks are online. */
      'users online': (e: { nicks: string[]; [key: string]: unknown }) => void;
      'sasl failed': (e: SaslFailedEvent) => void;
      'irc error': (e: IrcErrorEvent) => void;
      raw: (e: RawEvent) => void;
      debug: (text: string) => void;
    }

    class Client {
      constructor(options?: Partial<ConnectOptions>);
      readonly user: UserInfo;
      readonly network: NetworkInfo;
      readonly connected: boolean;
      options: ConnectOptions;
      connect(options?: ConnectOptions): void;
      requestCap(cap: string | string[]): void;
      /** Writes one line straight to the socket (no flood control). */
      raw(...args: Array<string | number>): void;
      rawString(...args: Array<string | number>): string;
      /** Splits on newlines and at `message_max_length` bytes; no flood control. */
      say(target: string, message: string, tags?: Record<string, string>): void;
      notice(target: string, message: string, tags?: Record<string, string>): void;
      join(channel: string, key?: string): void;
      part(channel: string, message?: string): void;
      changeNick(nick: string): void;
      quit(message?: string): void;
      ping(message?: string): void;
      whois(nick: string, cb: (e: WhoisEvent) => void): void;
      who(target: string, cb: (e: WhoEvent) => void): void;
      ctcpRequest(target: string, type: string, ...params: string[]): void;
      ctcpResponse(target: string, type: string, ...params: string[]): void;
      caseCompare(a: string, b: string): boolean;
      caseLower(s: string): string;
      on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): this;
      once<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): this;
      off<E extends keyof ClientEvents>(event: E, listener?: ClientEvents[E]): this;
      removeListener<E extends keyof ClientEvents>(event: E, listener?: ClientEvents[E]): this;
      removeAllListeners(event?: keyof ClientEvents): this;
    }
  }

  export = irc;
}
