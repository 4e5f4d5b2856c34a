import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { ROOT } from './bb.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/**
 * One HTTP request to a local server. `chunked` sends the body without a Content-Length, in 16 KiB
 * pieces. A server that answers before reading the whole body and closes the connection still
 * yields its answer (the write error that follows is ignored).
 */
export function httpRequest(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const headers: Record<string, string> = { ...opts.headers };
    if (body && !opts.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (!body) {
      req.end();
      return;
    }
    if (!opts.chunked) {
      req.end(body);
      return;
    }
    let at = 0;
    const pump = () => {
      while (at < body.length) {
        const piece = body.subarray(at, at + 16 * 1024);
        at += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** A recorded webhook request: the headers the service sends and the JSON body. */
export interface HookFixture {
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export function hookFixture(name: string): HookFixture {
  return JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'webhooks', `${name}.json`), 'utf8')) as HookFixture;
}

/** `sha256=<hex>` as GitHub (X-Hub-Signature-256) and bb (X-BB-Signature) sign a body. */
export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
