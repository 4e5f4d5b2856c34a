import { allCommands } from '../../bot-commands/index.js';
import { resolveChatSecrets, type ChatSecrets } from '../config/chat-secrets.js';
import type { ChatConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { BotApi } from './api.js';
import { ChatAuthorizer } from './authz.js';
import { attachRouter } from './bot.js';
import type { CommandSpec } from './command.js';
import { ircOptions, matrixOptions, type ChatTuning } from './from-config.js';
import { IrcTransport } from './irc/irc-transport.js';
import { keepStarting } from './keep-starting.js';
import { MatrixTransport } from './matrix/matrix-transport.js';
import type { ChatOutbox, OutboxOptions } from './outbox.js';
import { OutboxDrain } from './outbox-drain.js';
import { DEFAULT_BACKLOG } from './backlog.js';
import type { OutboxEntry } from '../data/outbox-repo.js';
import type { Store } from '../data/store.js';
import { CommandRouter } from './router.js';
import { formatTarget, parseTarget } from './target.js';
import type { ChatTransport, TransportKind } from './transport.js';

export interface ChatServiceOptions {
  /** The `chat` section, defaults filled in. */
  config: ChatConfig;
  /** What commands may read and do. */
  api: BotApi;
  log: Logger;
  /** Where relative paths in the chat config start (the config file's directory). */
  baseDir: string;
  /** The master's state directory (absolute): the Matrix state file lives here unless configured. */
  stateDir: string;
  version: string;
  /** Where `{ env }` secrets are read. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Transport options beyond the config's (reconnect pacing in tests). */
  tuning?: ChatTuning;
  /** Default: every command in bot-commands/. */
  commands?: CommandSpec[];
  /** Where the outbox lives (Redis); without it, announcements are sent straight away or not at all. */
  store?: Store;
}

/**
 * The chat bot: the transports `config.chat` names (IRC, Matrix) and any added in code (the
 * shell), all answering through one CommandRouter with every command, the configured rate limit
 * and `chat.permissions`. Also the outbox announcements go through.
 */
export class ChatService implements ChatOutbox {
  /** Replaced by `reconfigure`; transports reach it through `this`, so they always use the current one. */
  router: CommandRouter;
  private config: ChatConfig;
  private secrets: ChatSecrets;
  private readonly transports = new Map<TransportKind, ChatTransport>();
  /** Channels and rooms, as `kind:where`: configured, joined, or spoken in. */
  private readonly known = new Set<string>();
  private readonly retries: Array<{ cancel(): void }> = [];
  /** When each person last said something the bot saw, by `kind:account` and `kind:nick:<nick>` (lower case on IRC). */
  private readonly spoke = new Map<string, { nick: string; at: number }>();
  private running = false;
  private readonly drains = new Map<TransportKind, OutboxDrain>();

  constructor(private readonly o: ChatServiceOptions) {
    this.config = o.config;
    this.router = this.makeRouter(o.config, o.api);
    this.secrets = resolveChatSecrets(o.config, o.env);
    if (o.config.irc) this.addIrc(o.config.irc);
    if (o.config.matrix) this.addMatrix(o.config.matrix);
  }

  /**
   * A new `chat` section (`bb reconfig`): permissions, rate limit and what commands read change at
   * once; a transport (IRC, Matrix) is stopped and made again only when its own settings (or
   * secrets) changed, so an unchanged one stays connected. Returns the transports remade.
   */
  async reconfigure(config: ChatConfig, api: BotApi): Promise<TransportKind[]> {
    const secrets = resolveChatSecrets(config, this.o.env);
    const before = { config: this.config, secrets: this.secrets };
    this.config = config;
    this.secrets = secrets;
    this.router = this.makeRouter(config, api);
    const remade: TransportKind[] = [];
    for (const kind of ['irc', 'matrix'] as const) {
      if (transportSettings(kind, before.config, before.secrets) === transportSettings(kind, config, secrets)) continue;
      remade.push(kind);
      const old = this.transports.get(kind);
      if (old) {
        this.transports.delete(kind);
        this.drains.get(kind)?.stop();
        this.drains.delete(kind);
        for (const t of [...this.known]) if (parseTarget(t).transport === kind) this.known.delete(t);
        await old.stop().catch((err) => this.o.log.warn({ err, transport: kind }, 'chat transport stop failed'));
      }
      if (kind === 'irc' && config.irc) this.addIrc(config.irc);
      if (kind === 'matrix' && config.matrix) this.addMatrix(config.matrix);
      const made = this.transports.get(kind);
      if (made && this.running) {
        await this.startOne(made);
        // What waits in its outbox goes out on the new connection.
        this.drains.get(kind)?.kick();
      }
    }
    return remade;
  }

  private makeRouter(config: ChatConfig, api: BotApi): CommandRouter {
    const authorizer = new ChatAuthorizer(config.permissions, (kind) => this.transports.get(kind), async (m) => (await api.identity.whoami(m)).claim);
    return new CommandRouter(this.o.commands ?? allCommands(), api, this.o.log, authorizer, { max: config.rateLimit, windowMs: 60_000 });
  }

  private paths(kind: TransportKind) {
    return { baseDir: this.o.baseDir, stateDir: this.o.stateDir, version: this.o.version, log: this.o.log.child({ chat: kind }) };
  }

  private addIrc(irc: NonNullable<ChatConfig['irc']>): void {
    const store = this.o.store;
    // Only a master that still leads has services disconnect the nick's holder (an old leader never takes it back).
    const mayTakeNick = store ? () => store.assertLeading().then(() => true, () => false) : undefined;
    const t = new IrcTransport({ ...(mayTakeNick ? { mayTakeNick } : {}), ...ircOptions(irc, this.secrets, this.paths('irc'), this.o.tuning?.irc) });
    t.onStatus((s) => {
      if (s.kind === 'joined') this.known.add(formatTarget('irc', s.channel));
    });
    this.register(t, irc.channels.map((c) => (typeof c === 'string' ? c : c.name)));
  }

  private addMatrix(matrix: NonNullable<ChatConfig['matrix']>): void {
    this.register(new MatrixTransport(matrixOptions(matrix, this.config.botName, this.secrets, this.paths('matrix'), this.o.tuning?.matrix)), matrix.rooms);
  }

  /** The transport of one kind, when there is one. */
  transport(kind: TransportKind): ChatTransport | undefined {
    return this.transports.get(kind);
  }

  /**
   * Adds a transport made in code (the demo's shell), one per kind; started at once when the
   * service is running. `targets` are the channels it is in, for `targets()`.
   */
  async addTransport(transport: ChatTransport, targets: string[] = []): Promise<void> {
    this.register(transport, targets);
    if (this.running) await this.startOne(transport);
  }

  /** Starts every transport; resolves once each has made its first attempt (none throws). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await Promise.all([...this.transports.values()].map((t) => this.startOne(t)));
    // What was left to say when the last master stopped goes out now.
    for (const d of this.drains.values()) d.kick();
    this.o.log.info({ transports: [...this.transports.keys()] }, 'chat started');
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const d of this.drains.values()) d.stop();
    for (const r of this.retries.splice(0)) r.cancel();
    await Promise.all([...this.transports.values()].map((t) => t.stop().catch((err) => this.o.log.warn({ err, transport: t.kind }, 'chat transport stop failed'))));
  }

  async send(target: string, text: string, opts: OutboxOptions = {}): Promise<void> {
    const { transport, where } = parseTarget(target);
    await this.post(transport, { to: where, direct: false, text, ...opts });
  }

  async sendDirect(transport: TransportKind, user: string, text: string, opts: OutboxOptions = {}): Promise<void> {
    await this.post(transport, { to: user, direct: true, text, ...opts });
  }

  /** Resolves once every outbox is empty or waiting for its network (tests). */
  async outboxSettled(): Promise<void> {
    await Promise.all([...this.drains.values()].map((d) => d.settled()));
  }

  /** Into the transport's outbox in Redis (said from there), or straight out when there is no store. */
  private async post(kind: TransportKind, m: Omit<OutboxEntry, 'v' | 'at'>): Promise<void> {
    const t = this.need(kind);
    const drain = this.drains.get(kind);
    if (!drain || !this.o.store) {
      const opts = { ...(m.html ? { html: m.html } : {}), ...(m.mentions?.length ? { mentions: m.mentions } : {}), ...(m.id ? { txnId: m.id } : {}) };
      return m.direct ? t.sendDirect(m.to, m.text, opts) : t.send(m.to, m.text, opts);
    }
    await this.o.store.outbox.push(kind, { v: 1, at: Date.now(), ...m });
    drain.kick();
  }

  /**
   * When `who` last said something the bot saw on `kind` (in a channel it is in or to it), and under
   * which nick: `who` is a verified account (IRC services account, Matrix id) or `nick:<nick>`.
   * Kept in memory only: after a restart presence is asked of the network instead.
   */
  lastSpoke(kind: TransportKind, who: string): { nick: string; at: number } | undefined {
    return this.spoke.get(spokeKey(kind, who));
  }

  targets(): string[] {
    return [...this.known].filter((t) => this.transports.has(parseTarget(t).transport));
  }

  private register(transport: ChatTransport, targets: string[]): void {
    if (this.transports.has(transport.kind)) throw new Error(`a ${transport.kind} chat transport is already registered`);
    this.transports.set(transport.kind, transport);
    for (const t of targets) this.known.add(formatTarget(transport.kind, t));
    transport.onMessage((m) => {
      if (m.channel) this.known.add(formatTarget(m.transport, m.channel));
      const seen = { nick: m.sender, at: Date.now() };
      if (m.account) this.spoke.set(spokeKey(m.transport, m.account), seen);
      this.spoke.set(spokeKey(m.transport, `nick:${m.sender}`), seen);
    });
    attachRouter(transport, { handle: (m, name) => this.router.handle(m, name) }, this.o.log.child({ chat: transport.kind }));
    if (this.o.store) {
      const rules = { ...DEFAULT_BACKLOG, ...this.o.tuning?.backlog };
      this.drains.set(transport.kind, new OutboxDrain(this.o.store, transport, this.o.log.child({ chat: transport.kind, part: 'outbox' }), rules, this.o.tuning?.drain));
    }
  }

  private async startOne(transport: ChatTransport): Promise<void> {
    this.retries.push(await keepStarting(transport, this.o.log, this.o.tuning?.startRetry));
  }

  private need(kind: TransportKind): ChatTransport {
    const t = this.transports.get(kind);
    if (!t) throw new Error(`no ${kind} chat transport is configured`);
    return t;
  }
}

/** What a transport is made from: its config section, the bot's name (Matrix) and its secrets. */
function transportSettings(kind: 'irc' | 'matrix', config: ChatConfig, secrets: ChatSecrets): string {
  const section = kind === 'irc' ? config.irc : config.matrix;
  if (!section) return '';
  const own = [...secrets].filter(([k]) => k.startsWith(`${kind}.`)).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([section, kind === 'matrix' ? config.botName : null, own]);
}

function spokeKey(kind: TransportKind, who: string): string {
  return `${kind}:${kind === 'irc' ? who.toLowerCase() : who}`;
}
