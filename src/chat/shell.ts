import { createInterface, type Interface } from 'node:readline';
import type { ChatMessage, ChatTransport } from './transport.js';

export interface ShellOptions {
  botName: string;
  /** Who is typing. Default: $USER. */
  user: string;
  /** The pretend channel lines are said in. Default `#bb`. */
  channel: string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/**
 * A chat transport on the terminal: each line typed is said by `user` in `channel`; a line
 * starting with `/msg <bot> ` is a DM. `/quit` or end of input stops it.
 */
export class ShellTransport implements ChatTransport {
  readonly kind = 'shell' as const;
  private rl?: Interface;
  private handlers: Array<(m: ChatMessage) => void> = [];
  private closed?: Promise<void>;
  private open = false;
  private written = 0;

  constructor(private readonly opts: ShellOptions) {}

  get botName(): string {
    return this.opts.botName;
  }

  onMessage(handler: (m: ChatMessage) => void): void {
    this.handlers.push(handler);
  }

  async start(): Promise<void> {
    const rl = createInterface({ input: this.opts.input ?? process.stdin, output: this.opts.output ?? process.stdout, terminal: false });
    this.rl = rl;
    this.open = true;
    this.closed = new Promise((resolve) =>
      rl.once('close', () => {
        this.open = false;
        resolve();
      }),
    );
    rl.on('line', (line) => {
      const text = line.trim();
      if (!text) return;
      if (text === '/quit' || text === '/exit') {
        rl.close();
        return;
      }
      const dm = new RegExp(`^/msg\\s+${escape(this.opts.botName)}\\s+`, 'i').exec(text);
      const message: ChatMessage = {
        transport: 'shell',
        channel: dm ? null : this.opts.channel,
        replyTo: dm ? this.opts.user : this.opts.channel,
        sender: this.opts.user,
        account: null,
        text: dm ? text.slice(dm[0].length) : text,
        isDirect: Boolean(dm),
      };
      for (const h of this.handlers) h(message);
    });
  }

  /** The terminal is being read (started, not quit). */
  get isConnected(): boolean {
    return this.open;
  }

  /** Lines printed; none ever waits. */
  lines(): { sent: number; queued: number } {
    return { sent: this.written, queued: 0 };
  }

  /** Resolves when the user quits. */
  done(): Promise<void> {
    return this.closed ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.rl?.close();
  }

  async send(target: string, text: string): Promise<void> {
    this.write(`[${target}] <${this.opts.botName}> `, text);
  }

  async sendDirect(user: string, text: string): Promise<void> {
    this.write(`[DM to ${user}] <${this.opts.botName}> `, text);
  }

  private write(prefix: string, text: string): void {
    const out = this.opts.output ?? process.stdout;
    for (const line of text.split('\n')) {
      out.write(`${prefix}${line}\n`);
      this.written++;
    }
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
