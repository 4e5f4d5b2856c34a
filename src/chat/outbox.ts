import type { TransportKind } from './transport.js';

/**
 * Where announcements and reminders go out: the chat bot's transports seen as one mailbox.
 * Implemented by ChatService; the notifier codes against this and nothing else.
 */
export interface ChatOutbox {
  /**
   * Says `text` (and `html` where the transport shows it) in a channel or room. `target` is
   * `irc:#channel`, `matrix:!room:server` (or `matrix:#alias:server`) or `shell:#channel`.
   * Rejects when the target's transport is not configured.
   */
  send(target: string, text: string, html?: string): Promise<void>;
  /** Says `text` privately to `user`: an IRC nick, a Matrix user id, the shell's user. */
  sendDirect(transport: TransportKind, user: string, text: string, html?: string): Promise<void>;
  /** The channels and rooms the bot is in (or configured to join), as targets: `irc:#dev`, `matrix:!abc:server`. */
  targets(): string[];
}
