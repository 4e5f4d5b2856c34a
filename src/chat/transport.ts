/** What a network says of one person right now. */
export interface Presence {
  /** Connected (IRC: the nick is on; Matrix: not `offline`). */
  online: boolean;
  /** Marked away (IRC AWAY, Matrix `unavailable`). */
  away: boolean;
  /** Seconds since they last did something, when the network tells. */
  idleSeconds: number | null;
  /** IRC: the services account the nick is logged in to (null when none); Matrix: the user id. */
  account: string | null;
}

/** The chat networks bb talks on. */
export type TransportKind = 'irc' | 'matrix' | 'shell';

/** One message said to the bot, the same shape on every transport. */
export interface ChatMessage {
  transport: TransportKind;
  /** Channel or room id, or null for a DM. */
  channel: string | null;
  /** Where to reply: the channel, or the sender for a DM. */
  replyTo: string;
  /** Nick (IRC) or user id (Matrix). */
  sender: string;
  /**
   * Verified account: the IRC services account (account-tag / WHOIS) or the Matrix user id;
   * null when the sender is not logged in. Permissions follow this, never `sender`.
   */
  account: string | null;
  text: string;
  isDirect: boolean;
  /** When the person said it (ms since the epoch), where the network tells (Matrix); else when it arrived. */
  saidAt?: number;
  /**
   * Said while bb was away (stopped, or cut off from the homeserver) and delivered on its return:
   * read-only commands are run, others are asked to be said again.
   */
  late?: boolean;
}

/** How a reply is sent. Transports ignore what they cannot show. */
export interface SendOptions {
  /** The same text as HTML, for transports that render it. */
  html?: string;
  /** Send as a notice (IRC NOTICE, Matrix m.notice) rather than a normal message. */
  notice?: boolean;
  /**
   * Where the rest can be read when a long reply is cut to the transport's line cap; shown in the
   * last line as `… N more lines: <hint>`.
   */
  moreHint?: string;
  /**
   * Matrix ids the message is addressed to: on Matrix it goes as `m.text` with `m.mentions` and
   * a mention pill, so their client notifies them (notices never do). Other transports ignore it.
   */
  mentions?: string[];
  /**
   * The message's own id, the same each time it is sent again (the outbox entry's). Matrix sends
   * it as the transaction id of `PUT /rooms/{room}/send/m.room.message/{txnId}`: the homeserver
   * keeps one event per id and device, so a message sent again (a retry, or a new leader after a
   * failover) is not said twice. IRC has nothing like it and ignores it.
   */
  txnId?: string;
}

/** What every chat transport (IRC, Matrix, shell) offers the bot. */
export interface ChatTransport {
  readonly kind: TransportKind;
  /** The bot's name as people address it (`bb: status`). */
  readonly botName: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  onMessage(handler: (m: ChatMessage) => void): void;
  /** Send to a channel/room (or a user, where the transport allows). */
  send(target: string, text: string, opts?: SendOptions): Promise<void>;
  /** Send privately to a user. */
  sendDirect(user: string, text: string, opts?: Omit<SendOptions, 'notice'>): Promise<void>;
  /** Connected and able to send now; the outbox waits while this is false. Default: always. */
  ready?(): boolean;
  /** Whether it is connected to its network now (IRC: registered; Matrix: its last sync worked; shell: the terminal is open): `/healthz`. */
  readonly isConnected?: boolean;
  /** Lines said since it was made (IRC: PRIVMSG/NOTICE lines; Matrix: messages; shell: lines printed) and waiting in its own send queue now: `/metrics`. */
  lines?(): { sent: number; queued: number };
  /**
   * The DM room with `user` (found or made), where the transport has rooms (Matrix). The outbox
   * stores it and reuses it, so restarts and outages never open a second one.
   */
  directRoom?(user: string): Promise<string>;
  /** Seconds the user has been idle, or null if unknown. */
  idleSeconds?(user: string): Promise<number | null>;
  /** What the network says of the user now (IRC WHOIS, Matrix presence); null when it cannot tell. */
  presence?(user: string): Promise<Presence | null>;
  /** Whether the user is an operator of the channel/room. */
  isOperator?(channel: string, nick: string): Promise<boolean>;
}
