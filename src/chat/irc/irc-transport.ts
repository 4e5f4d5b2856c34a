import type irc from 'irc-framework';
import { createLogger, type Logger } from '../../log.js';
import type { ChatMessage, ChatTransport, SendOptions } from '../transport.js';
import { toChatMessage } from './incoming.js';
import { capLines } from './line-cap.js';
import { DEFAULT_LIMITS, isSafeTarget, textBudget, type ServerLimits } from './line-budget.js';
import { splitText } from './line-split.js';
import { resolveOptions, type IrcTransportOptions, type ResolvedIrcOptions } from './options.js';
import { isChannelOperator, whoisIdle } from './queries.js';
import { SendQueue } from './send-queue.js';
import { openSession, type Session } from './session.js';
import type { IrcStatus } from './status.js';
import { Supervisor, type SessionEnd } from './supervisor.js';
import { TokenBucket } from './token-bucket.js';

/** How long a rejoin waits after the bot was kicked. */
const REJOIN_AFTER_KICK_MS = 10_000;
/** How long joining waits for a NickServ login before going ahead without it. */
const IDENTIFY_WAIT_MS = 5_000;

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
  private session: Session | null = null;
  private registered = false;
  private timers = new Set<NodeJS.Timeout>();
  private firstOutcome: (() => void) | null = null;
  private stopped = false;

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

  async stop(): Promise<void> {
    this.stopped = true;
    const stopping = this.supervisor.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.clear(new Error('IRC transport stopped'));
    this.session?.close('bb stopping');
    await stopping;
    this.firstOutcome?.();
    this.status({ kind: 'stopped' });
  }

  async send(target: string, text: string, opts: SendOptions = {}): Promise<void> {
    const isChannel = this.isChannel(target);
    const hint = opts.moreHint ?? (isChannel ? this.o.moreHint.channel : this.o.moreHint.direct);
    await this.deliver(target, text, isChannel ? this.o.maxLines.channel : this.o.maxLines.direct, hint, opts.notice ? 'NOTICE' : 'PRIVMSG');
  }

  async sendDirect(user: string, text: string, opts: Omit<SendOptions, 'notice'> = {}): Promise<void> {
    await this.deliver(user, text, this.o.maxLines.direct, opts.moreHint ?? this.o.moreHint.direct, 'PRIVMSG');
  }

  async idleSeconds(user: string): Promise<number | null> {
    const client = this.session?.client;
    if (!client || !isSafeTarget(user)) return null;
    return whoisIdle(client, (line) => this.queue.enqueue([line], 'control'), user, this.o.queryTimeoutMs);
  }

  async isOperator(channel: string, nick: string): Promise<boolean> {
    const client = this.session?.client;
    if (!client || !isSafeTarget(channel) || !this.isChannel(channel)) return false;
    return isChannelOperator(client, (line) => this.queue.enqueue([line], 'control'), channel, nick, this.o.queryTimeoutMs);
  }

  private async deliver(target: string, text: string, maxLines: number, hint: string | undefined, command: 'PRIVMSG' | 'NOTICE'): Promise<void> {
    if (!isSafeTarget(target)) throw new Error(`not an IRC target: ${JSON.stringify(target)}`);
    if (this.stopped) throw new Error('IRC transport is stopped');
    const budget = textBudget(command, target, this.limits(), this.o.messageMaxBytes);
    const lines = capLines(splitText(text, budget), maxLines, hint && splitText(hint, budget - 40)[0]);
    await this.queue.enqueue(lines.map((line) => `${command} ${target} :${line}`));
  }

  private async runSession(attempt: number): Promise<SessionEnd> {
    const session = openSession(this.o, attempt, {
      status: (s) => this.status(s),
      wire: (client) => this.wire(client),
      registered: (client) => void this.onRegistered(client, session),
    });
    this.session = session;
    const end = await session.ended;
    this.registered = false;
    this.queue.detach();
    this.status({ kind: 'disconnected', reason: end.reason, registeredMs: end.registeredMs });
    this.firstOutcome?.();
    this.firstOutcome = null;
    return end;
  }

  private async onRegistered(client: irc.Client, session: Session): Promise<void> {
    const ns = this.o.nickserv;
    if (ns) {
      client.raw(`PRIVMSG ${ns.service} :IDENTIFY ${ns.account} ${ns.password}`);
      await this.loggedIn(client, IDENTIFY_WAIT_MS);
    }
    if (this.session !== session) return;
    for (const ch of this.o.channels) void this.queue.enqueue([joinLine(ch.name, ch.key)], 'control').catch(() => {});
    this.registered = true;
    this.queue.attach((line) => client.raw(line));
    this.every(this.o.regainNickMs, session, () => this.regainNick(client));
    this.firstOutcome?.();
    this.firstOutcome = null;
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
        isChannel: (t) => this.isChannel(t, client),
      });
      if (message) this.dispatch(message);
    });
    client.on('ctcp request', (e) => {
      if (e.type !== 'VERSION' || !isSafeTarget(e.nick) || this.queue.size > 50) return;
      void this.queue.enqueue([`NOTICE ${e.nick} :\x01VERSION ${this.o.version}\x01`], 'control').catch(() => {});
    });
    client.on('notice', (e) => {
      if (e.nick && this.o.ignoreNicks.some((n) => client.caseCompare(n, e.nick))) this.log.debug({ from: e.nick, text: e.message }, 'services notice');
    });
    client.on('join', (e) => {
      if (client.caseCompare(e.nick, client.user.nick)) this.status({ kind: 'joined', channel: e.channel });
    });
    client.on('irc error', (e) => {
      if (e.channel && /channel|banned|key/.test(e.error)) this.status({ kind: 'join-failed', channel: e.channel, reason: e.reason ?? e.error });
    });
    client.on('kick', (e) => {
      if (!client.caseCompare(e.kicked, client.user.nick)) return;
      this.log.warn({ channel: e.channel, by: e.nick, reason: e.message }, 'irc bot was kicked');
      const ch = this.o.channels.find((c) => client.caseCompare(c.name, e.channel));
      if (ch) this.later(REJOIN_AFTER_KICK_MS, () => void this.queue.enqueue([joinLine(ch.name, ch.key)], 'control').catch(() => {}));
    });
    client.on('nick', (e) => {
      // The library may update its own nick before or after this listener runs.
      const mine = client.caseCompare(e.nick, client.user.nick) || client.caseCompare(e.new_nick, client.user.nick);
      if (mine) this.status({ kind: 'nick', nick: e.new_nick });
      else if (client.caseCompare(e.nick, this.o.nick)) this.regainNick(client);
    });
    client.on('quit', (e) => {
      if (client.caseCompare(e.nick, this.o.nick)) this.regainNick(client);
    });
  }

  private regainNick(client: irc.Client): void {
    if (!this.registered || client.caseCompare(client.user.nick, this.o.nick)) return;
    void this.queue.enqueue([`NICK ${this.o.nick}`], 'control').catch(() => {});
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

  private loggedIn(client: irc.Client, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        client.removeListener('loggedin', done);
        client.removeListener('close', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      client.on('loggedin', done);
      client.on('close', done);
    });
  }

  private isChannel(target: string, client = this.session?.client): boolean {
    const types = client?.network.supports('CHANTYPES');
    const prefixes = Array.isArray(types) ? (types as string[]) : ['#', '&'];
    return prefixes.includes(target.charAt(0));
  }

  private limits(): ServerLimits {
    const net = this.session?.client.network;
    const num = (key: string, fallback: number) => Number(net?.supports(key)) || fallback;
    return {
      lineLen: num('LINELEN', DEFAULT_LIMITS.lineLen),
      nickLen: num('NICKLEN', DEFAULT_LIMITS.nickLen),
      userLen: num('USERLEN', DEFAULT_LIMITS.userLen),
      hostLen: num('HOSTLEN', DEFAULT_LIMITS.hostLen),
    };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Runs `fn` every `ms` while `session` is the live one. */
  private every(ms: number, session: Session, fn: () => void): void {
    const t = setInterval(() => {
      if (this.session !== session || !this.registered) {
        clearInterval(t);
        this.timers.delete(t);
        return;
      }
      fn();
    }, ms);
    this.timers.add(t);
  }
}

function joinLine(channel: string, key?: string): string {
  return key ? `JOIN ${channel} ${key}` : `JOIN ${channel}`;
}

/** A raw line fit for the log: no passwords. */
function redact(line: string): string {
  return /^(AUTHENTICATE|PASS|OPER) |IDENTIFY /i.test(line) ? `${line.split(' ')[0]} <redacted>` : line;
}
