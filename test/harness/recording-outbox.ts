import type { ChatOutbox, OutboxOptions } from '../../src/chat/outbox.js';

export interface Sent {
  /** `irc:#dev`, or `dm:<transport>:<user>` for a direct message. */
  to: string;
  text: string;
  html?: string;
}

/** A ChatOutbox that keeps what it was asked to send, for asserting on announcements. */
export class RecordingOutbox implements ChatOutbox {
  readonly sent: Sent[] = [];
  /** The message id (OutboxOptions.id) each send was given, in the order of `sent`. */
  readonly ids: Array<string | undefined> = [];

  async send(target: string, text: string, opts: OutboxOptions = {}): Promise<void> {
    this.sent.push({ to: target, text, ...(opts.html !== undefined ? { html: opts.html } : {}) });
    this.ids.push(opts.id);
  }

  async sendDirect(transport: 'irc' | 'matrix' | 'shell', user: string, text: string, opts: OutboxOptions = {}): Promise<void> {
    this.sent.push({ to: `dm:${transport}:${user}`, text, ...(opts.html !== undefined ? { html: opts.html } : {}) });
    this.ids.push(opts.id);
  }

  targets(): string[] {
    return [];
  }

  /** Texts sent to one target, oldest first. */
  to(target: string): string[] {
    return this.sent.filter((s) => s.to === target).map((s) => s.text);
  }
}
