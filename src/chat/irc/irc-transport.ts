import type irc from 'irc-framework';
import { createLogger, type Logger } from '../../log.js';
import type { ChatMessage, ChatTransport, Presence, SendOptions } from '../transport.js';
import { joinLine, watchChannels } from './channels.js';
import { toChatMessage } from './incoming.js';
import { capLines } from './line-cap.js';
import { isSafeTarget, textBudget } from './line-budget.js';
import { splitText } from './line-split.js';
import { keepNick, type NickKeeper } from './nick-keeper.js';
import { resolveOptions, type IrcTransportOptions, type ResolvedIrcOptions } from './options.js';
import { isChannelOperator, whoisPresence } from './queries.js';
import { SendQueue, type Lane } from './send-queue.js';
import { isChannelName, loggedIn, serverLimits } from './server-info.js';
import { openSession, type Session } from './session.js';
import type { IrcStatus } from './status.js';
import { Supervisor, type SessionEnd } from './supervisor.js';
import { TokenBucket } from './token-bucket.js';

/** How long joining waits for a NickServ login before going ahead without it. */
const IDENTIFY_WAIT_MS = 5_000;
/** CTCP requests are not answered while this many lines wait (a CTCP flood must not starve replies). */
const CTCP_QUEUE_LIMIT = 50;

/**
 * bb's chat on IRC, over irc-framework. One supervisor owns the connection and reconnects
 * forever with backoff; one throttled queue carries every line sent; replies are split to the
 * server's line length and capped per reply. Messages carry the sender's services account from
 * the account-tag, so permissions can follow a verified identity.
 */
export class IrcTransport implements ChatTransport {
  readonly kind = 'irc' as const;
  private readonly o: ResolvedIrcOptions;
  private readonly log: Logger;
  private readonly handlers: Array<(m: ChatMessage) => void> = [];
  private readonly statusHandlers: Array<(s: IrcStatus) => void> = [];
  private readonly queue: SendQueue;
  private readonly supervisor: Supervisor;
  private readonly timers = new Set<NodeJS.Timeout>();
  private session: Session | null = null;
  private registered = false;
  /** The services account this connection is logged in to (SASL or IDENTIFY), or null. */
  private account: string | null = null;
  private nickKeeper: NickKeeper | null = null;
  private stopped = false;
  private firstOutcome: (() => void) | null = null;

  constructor(options: IrcTransportOptions) {
    this.o = resolveOptions(options);
    this.log = (options.log ?? createLogger('irc')).child({ transport: 'irc', server: `${this.o.host}:${this.o.port}` });
    this.queue = new SendQueue(new TokenBucket(this.o.throttle.burst, this.o.throttle.intervalMs), this.o.throttle.maxQueued);
    this.supervisor = new Supervisor({
      backoff: this.o.reconnect,
      stableAfterMs: this.o.stableAfterMs,
      random: this.o.random,
      session: (attempt) => this.runSession(attempt),
      reconnecting: (attempt, delayMs) => this.status({ kind: 'reconnecting', attempt, delayMs }),
    });
  }

  /** The configured nick (what people address). */
  get botName(): string {
    return this.o.nick;
  }

  /** The nick in use right now (an alternative while the configured one is taken). */
  get currentNick(): string {
    return this.session?.client.user.nick ?? this.o.nick;
  }

  /** Registered with the server right now. */
  get isConnected(): boolean {
    return this.registered;
  }

  /** PRIVMSG and NOTICE lines written, and waiting in the throttled queue. */
  lines(): { sent: number; queued: number } {
    return this.queue.messageLines;
  }

  /** Registered with the server (the outbox waits otherwise). */
  ready(): boolean {
    return this.registered;
  }

  onMessage(handler: (m: ChatMessage) => void): void {
    this.handlers.push(handler);
  }

  /** Connection events: connecting, registered, joined, disconnected, reconnecting, … */
  onStatus(handler: (s: IrcStatus) => void): void {
    this.statusHandlers.push(handler);
  }

  /**
   * Starts the connection and resolves once the first attempt has registered or failed. A failed
   * attempt does not throw: the supervisor keeps retrying, and sends wait in the queue meanwhile
   * (as do sends made before `start`; after `stop`, sends fail).
   */
  async start(): Promise<void> {
    if (this.supervisor.isRunning) return;
    this.stopped = false;
    const first = new Promise<void>((resolve) => (this.firstOutcome = resolve));
    this.supervisor.start();
    await first;
  }

  /** Quits (QUIT, then the socket is closed) and stops reconnecting; waiting sends fail. */
  async stop(): Promise<void> {
    this.stopped = true;
    const stopping = this.supervisor.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.clear(new Error('IRC transport stopped'));
    this.session?.close('bb stopping');
    await stopping;
    this.settleStart();
    this.status({ kind: 'stopped' });
  }

  async send(target: string, text: string, opts: SendOptions = {}): Promise<void> {
    const isChannel = isChannelName(target, this.session?.client.network);
    const hint = opts.moreHint ?? (isChannel ? this.o.moreHint.channel : this.o.moreHint.direct);
    await this.deliver(target, text, isChannel ? this.o.maxLines.channel : this.o.maxLines.direct, hint, opts.notice ? 'NOTICE' : 'PRIVMSG');
  }

  async sendDirect(user: string, text: string, opts: Omit<SendOptions, 'notice'> = {}): Promise<void> {
    await this.deliver(user, text, this.o.maxLines.direct, opts.moreHint ?? this.o.moreHint.direct, 'PRIVMSG');
  }

  /** Seconds `user` has been idle, by WHOIS; null when offline, unknown or not answered in time. */
  async idleSeconds(user: string): Promise<number | null> {
    return (await this.presence(user))?.idleSeconds ?? null;
  }

  /** Whether `nick` is on, away, how idle and logged in to which account, by WHOIS; null when not connected or no answer. */
  async presence(nick: string): Promise<Presence | null> {
    const client = this.session?.client;
    if (!client || !this.registered || !isSafeTarget(nick)) return null;
    return whoisPresence(client, (line) => this.queue.enqueue([line], 'control'), nick, this.o.queryTimeoutMs);
  }

  /** Whether `nick` is a channel operator (or higher) in `channel`, by NAMES. */
  async isOperator(channel: string, nick: string): Promise<boolean> {
    const client = this.session?.client;
    if (!client || !isSafeTarget(channel) || !isChannelName(channel, client.network)) return false;
    return isChannelOperator(client, (line) => this.queue.enqueue([line], 'control'), channel, nick, this.o.queryTimeoutMs);
  }

  private async deliver(target: string, text: string, maxLines: number, hint: string | undefined, command: 'PRIVMSG' | 'NOTICE'): Promise<void> {
    if (!isSafeTarget(target)) throw new Error(`not an IRC target: ${JSON.stringify(target)}`);
    if (this.stopped) throw new Error('IRC transport is stopped');
    const budget = textBudget(command, target, serverLimits(this.session?.client.network), this.o.messageMaxBytes);
    const lines = capLines(splitText(text, budget), maxLines, hint && splitText(hint, budget - 40)[0]);
    await this.queue.enqueue(lines.map((line) => `${command} ${target} :${line}`));
  }

  /** Queues a line without waiting for it; a failure (the transport stopped) is of no interest. */
  private post(line: string, lane: Lane = 'control'): void {
    this.queue.enqueue([line], lane).catch(() => {});
  }

  private async runSession(attempt: number): Promise<SessionEnd> {
    this.account = null;
    const session = openSession(this.o, attempt, {
      status: (s) => this.status(s),
      wire: (client) => this.wire(client),
      registered: (client) => {
        this.nickKeeper = keepNick(client, {
          wanted: this.o.nick,
          intervalMs: this.o.regainNickMs,
          ...(this.o.sasl || this.o.nickserv ? { service: this.o.nickserv?.service ?? 'NickServ' } : {}),
          loggedIn: () => this.account !== null,
          ...(this.o.mayTakeNick ? { mayTake: this.o.mayTakeNick } : {}),
          send: (line) => this.post(line),
          status: (s) => this.status(s),
        });
        void this.onRegistered(client, session);
      },
    });
    this.session = session;
    const end = await session.ended;
    this.nickKeeper?.stop();
    this.nickKeeper = null;
    this.account = null;
    this.registered = false;
    this.queue.detach();
    this.status({ kind: 'disconnected', reason: end.reason, registeredMs: end.registeredMs });
    this.settleStart();
    return end;
  }

  /** After registration: NickServ login if configured, join the channels, then let the queue flow. */
  private async onRegistered(client: irc.Client, session: Session): Promise<void> {
    const ns = this.o.nickserv;
    if (ns) {
      client.raw(`PRIVMSG ${ns.service} :IDENTIFY ${ns.account} ${ns.password}`);
      await loggedIn(client, IDENTIFY_WAIT_MS);
    }
    if (this.session !== session || this.stopped) return;
    for (const ch of this.o.channels) this.post(joinLine(ch));
    this.registered = true;
    this.queue.attach((line) => client.raw(line));
    this.settleStart();
  }

  /** Listeners for one connection's client. */
  private wire(client: irc.Client): void {
    if (this.log.isLevelEnabled('trace')) {
      client.on('raw', (e) => this.log.trace({ line: redact(e.line), in: e.from_server }, 'irc raw'));
    }
    client.on('privmsg', (e) => {
      const message = toChatMessage(e, {
        ownNick: client.user.nick,
        ignoreNicks: this.o.ignoreNicks,
        same: (a, b) => client.caseCompare(a, b),
        isChannel: (t) => isChannelName(t, client.network),
      });
      if (message) this.dispatch(message);
    });
    client.on('ctcp request', (e) => {
      if (e.type !== 'VERSION' || !isSafeTarget(e.nick) || this.queue.size > CTCP_QUEUE_LIMIT) return;
      this.post(`NOTICE ${e.nick} :\x01VERSION ${this.o.version}\x01`);
    });
    client.on('loggedin', (e) => {
      this.account = e.account;
      this.nickKeeper?.loggedIn();
    });
    client.on('loggedout', () => (this.account = null));
    client.on('notice', (e) => {
      // Services talk in notices; they are logged, never taken as commands.
      if (e.nick && this.o.ignoreNicks.some((n) => client.caseCompare(n, e.nick))) this.log.debug({ from: e.nick, text: e.message }, 'irc services notice');
    });
    watchChannels(client, {
      channels: this.o.channels,
      send: (line) => this.post(line),
      status: (s) => this.status(s),
      log: this.log,
      later: (ms, fn) => this.later(ms, fn),
    });
  }

  private dispatch(message: ChatMessage): void {
    for (const h of this.handlers) {
      try {
        h(message);
      } catch (err) {
        this.log.error({ err }, 'irc message handler failed');
      }
    }
  }

  private status(s: IrcStatus): void {
    const level = s.kind === 'disconnected' || s.kind === 'login-failed' || s.kind === 'join-failed' ? 'warn' : 'info';
    this.log[level]({ ...s }, `irc ${s.kind}`);
    for (const h of this.statusHandlers) {
      try {
        h(s);
      } catch (err) {
        this.log.error({ err }, 'irc status handler failed');
      }
    }
  }

  private settleStart(): void {
    this.firstOutcome?.();
    this.firstOutcome = null;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/** A raw line fit for the log: no passwords. */
function redact(line: string): string {
  return /^(AUTHENTICATE|PASS|OPER) |IDENTIFY /i.test(line) ? `${line.split(' ')[0]} <redacted>` : line;
}
