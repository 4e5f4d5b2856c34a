import { connect, type Socket } from 'node:net';

/** A bare IRC connection that speaks lines, for what a library client would hide (floods, services). */
export interface RawIrcClient {
  /** Every line received so far, without CR LF. */
  lines: string[];
  send(line: string): void;
  /** The first line (received so far or later) matching `pattern`. */
  waitLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  /**
   * Why the connection ended, once `closed` resolved: the server's `ERROR` line when it was read, else
   * the socket's error code (a server that closes with our unread lines in its buffer resets the
   * connection, and the reset can discard its ERROR line before we read it).
   */
  endedBy(): string;
  quit(): Promise<void>;
}

/** Connects and registers as `nick`; resolves after the welcome (001). */
export async function openRawClient(o: { host: string; port: number; nick: string }): Promise<RawIrcClient> {
  const socket: Socket = connect({ host: o.host, port: o.port });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const parts = (pending + chunk).split('\r\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      if (line.startsWith('PING ')) socket.write(`PONG ${line.slice(5)}\r\n`);
      lines.push(line);
    }
    for (const w of waiters) w();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let socketError = '';
  socket.on('error', (e: NodeJS.ErrnoException) => {
    socketError = e.code ?? e.message;
  });
  socket.on('close', () => {
    for (const w of waiters) w();
  });

  const waitLine = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = lines.find((l) => pattern.test(l));
        if (hit !== undefined) {
          finish();
          resolve(hit);
        } else if (socket.destroyed) {
          finish();
          reject(new Error(`connection closed before a line matched ${pattern}; last: ${lines.slice(-3).join(' | ')}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no line matched ${pattern} in ${timeoutMs} ms; last: ${lines.slice(-3).join(' | ')}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  socket.write(`NICK ${o.nick}\r\nUSER ${o.nick} 0 * :${o.nick}\r\n`);
  await waitLine(/^:\S+ 001 /);
  return {
    lines,
    send: (line) => void socket.write(`${line}\r\n`),
    waitLine,
    closed,
    endedBy: () => lines.find((l) => l.startsWith('ERROR ')) ?? (socketError ? `reset (${socketError})` : 'closed cleanly'),
    async quit() {
      if (!socket.destroyed) socket.end('QUIT :bye\r\n');
      const timer = setTimeout(() => socket.destroy(), 2000);
      await closed;
      clearTimeout(timer);
    },
  };
}
