import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect } from 'node:tls';
import type irc from 'irc-framework';

/** What bb adds to irc-framework's connect options for its socket. */
export interface SocketExtras {
  /** PEM file of trusted CAs (read at each connect, so a renewed file is picked up). */
  bb_ca?: string;
  /** Drop a connect that has not opened after this long. */
  bb_connect_timeout_ms?: number;
}

/**
 * irc-framework's socket, replaced so that TLS can trust a given CA file (the library's own
 * passes no `ca`) and always verifies unless told `rejectUnauthorized: false` explicitly. It
 * speaks the library's transport contract: `open`, `line` (without CR LF) and `close` events.
 */
export class IrcSocket extends EventEmitter implements irc.Transport {
  private socket: Socket | null = null;
  private open = false;
  private lastError: Error | null = null;
  private decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly options: irc.ConnectOptions & SocketExtras) {
    super();
  }

  connect(): void {
    this.disposeSocket();
    const o = this.options;
    const port = o.port ?? 6667;
    this.open = false;
    this.lastError = null;
    this.decoder = new StringDecoder('utf8');
    this.pending = '';
    const socket: Socket = o.tls
      ? tlsConnect({
          host: o.host,
          port,
          ...(isIP(o.host) ? {} : { servername: o.host }),
          ...(o.bb_ca ? { ca: readFileSync(o.bb_ca) } : {}),
          rejectUnauthorized: o.rejectUnauthorized !== false,
          ...(o.client_certificate ? { key: o.client_certificate.private_key, cert: o.client_certificate.certificate } : {}),
        })
      : netConnect({ host: o.host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    if (o.bb_connect_timeout_ms) {
      socket.setTimeout(o.bb_connect_timeout_ms, () => socket.destroy(new Error('connect timed out')));
    }
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      this.open = true;
      socket.setTimeout(0);
      this.emit('open');
    });
    socket.on('data', (chunk: Buffer) => this.read(this.decoder.write(chunk)));
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('close', () => {
      this.open = false;
      if (this.socket === socket) this.socket = null;
      this.emit('close', this.lastError ?? false);
    });
  }

  writeLine(line: string, cb?: () => void): void {
    if (this.socket && this.open) this.socket.write(`${line}\r\n`, cb ? () => cb() : undefined);
    else if (cb) process.nextTick(cb);
  }

  isConnected(): boolean {
    return this.open;
  }

  /** Throws the socket away without a `close` event (the library is done with this transport). */
  disposeSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.open = false;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
    }
  }

  close(force?: boolean): void {
    const socket = this.socket;
    if (!socket) return;
    if (force || !this.open) socket.destroy();
    else socket.end();
  }

  setEncoding(encoding: string): boolean {
    return /^utf-?8$/i.test(encoding);
  }

  private read(text: string): void {
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    for (const part of parts) {
      const line = part.endsWith('\r') ? part.slice(0, -1) : part;
      if (line) this.emit('line', line);
    }
  }
}
