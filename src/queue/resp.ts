import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A few Redis commands on one short-lived connection to one server (`redis://` or `rediss://`,
 * with user, password and database from the URL), sent at once and answered in order: what `bb
 * sendchange` needs, without loading ioredis (a third of its run time). Anything else (Sentinel,
 * Cluster, a retrying connection) is ioredis's, through newRedis.
 */
export function isPlainRedisUrl(url: string): boolean {
  return /^rediss?:\/\//.test(url);
}

export class RespError extends Error {}

/** Runs `commands` in order; resolves with their replies, or rejects at the first error reply or a lost connection. */
export function respCommands(url: string, commands: string[][], timeoutMs = 10_000): Promise<unknown[]> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || 6379);
  const where = `${host}:${port}`;
  const pre: string[][] = [];
  if (u.password) pre.push(u.username ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.password)]);
  const db = Number(u.pathname.slice(1) || 0);
  if (db) pre.push(['SELECT', String(db)]);
  const all = [...pre, ...commands];
  return new Promise((resolve, reject) => {
    const sock: Socket = u.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    let buf: Buffer = Buffer.alloc(0);
    const replies: unknown[] = [];
    const fail = (err: Error) => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new RespError(`Redis at ${where} did not answer within ${timeoutMs / 1000} s`)));
    sock.on('error', (err) => fail(new RespError(`cannot reach Redis at ${where}: ${err.message}`)));
    sock.on('close', () => {
      if (replies.length < all.length) fail(new RespError(`Redis at ${where} closed the connection`));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        const r = parseReply(buf, 0);
        if (!r) return;
        buf = buf.subarray(r.end);
        if (r.value instanceof RespError) return fail(new RespError(`Redis at ${where}: ${r.value.message}`));
        replies.push(r.value);
        if (replies.length === all.length) {
          sock.end();
          return resolve(replies.slice(pre.length));
        }
      }
    });
    sock.write(all.map(encode).join(''));
  });
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One reply at `at`, and where it ends; null while incomplete. Error replies are RespError values. */
export function parseReply(buf: Buffer, at: number): { value: unknown; end: number } | null {
  const eol = buf.indexOf('\r\n', at);
  if (eol === -1) return null;
  const line = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: line, end: eol + 2 };
    case '-':
      return { value: new RespError(line), end: eol + 2 };
    case ':':
      return { value: Number(line), end: eol + 2 };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return null;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: eol + 2 };
      const items: unknown[] = [];
      let end = eol + 2;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, end);
        if (!r) return null;
        items.push(r.value);
        end = r.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new RespError(`unexpected reply ${JSON.stringify(buf.toString('utf8', at, Math.min(eol, at + 40)))}`), end: eol + 2 };
  }
}
