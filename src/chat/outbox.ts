import type { TransportKind } from './transport.js';

/** How one message goes out. */
export interface OutboxOptions {
  /** The same text as HTML (Matrix). */
  html?: string;
  /** Matrix ids it is addressed to: they are mentioned so that their client notifies them. */
  mentions?: string[];
  /** What a summary of a backlog counts it as (`FAILURE`, `problem opened`, `reminder`). */
  tally?: string;
  /**
   * The message's own id, the same whenever it is decided again (a new leader finishing what a
   * dying one began): `finished:<build>|<audience>`, `hassle:<problem>:<marker>|…`. It becomes the
   * outbox entry's id and so the Matrix transaction id: the homeserver keeps one event per id, so a
   * message decided twice across a failover is said once there. Never reuse one for another
   * message (the homeserver would swallow it for a day). Default: a random id.
   */
  id?: string;
}

/**
 * Where announcements and reminders go out: the chat bot's transports seen as one mailbox.
 * Implemented by ChatService; the notifier codes against this and nothing else.
 */
export interface ChatOutbox {
  /**
   * Says `text` (and `html` where the transport shows it) in a channel or room. `target` is
   * `irc:#channel`, `matrix:!room:server` (or `matrix:#alias:server`) or `shell:#channel`.
   * Rejects when the target's transport is not configured. Resolves once the message is stored
   * in the transport's outbox in Redis (the master's chat), from where it is said, in order, as
   * soon as the network is there: late ones with the time they were said.
   */
  send(target: string, text: string, opts?: OutboxOptions): Promise<void>;
  /** Says `text` privately to `user`: an IRC nick, a Matrix user id, the shell's user. */
  sendDirect(transport: TransportKind, user: string, text: string, opts?: OutboxOptions): Promise<void>;
  /** The channels and rooms the bot is in (or configured to join), as targets: `irc:#dev`, `matrix:!abc:server`. */
  targets(): string[];
}
