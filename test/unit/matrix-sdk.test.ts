import { spawnSync } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { connect as netConnect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyFor, sdkRequest, type SdkRequestParams, type SdkResponse } from '../../src/chat/matrix/http-request.js';
import { LogService, MatrixClient } from '../../src/chat/matrix/sdk.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback server that records each request and answers as its path says. */
let server: Server;
let base = '';
const seen: Seen[] = [];

beforeAll(async () => {
  // The SDK logs a failed request to the console: the test asserts the failure itself.
  const quiet = () => undefined;
  LogService.setLogger({ info: quiet, warn: quiet, error: quiet, debug: quiet, trace: quiet });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url!.startsWith('/slow')) return; // never answers
      if (req.url!.startsWith('/missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errcode: 'M_NOT_FOUND', error: 'no such thing' }));
        return;
      }
      if (req.url!.startsWith('/bytes')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from([0, 1, 2, 255]));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, unicode: 'grüße ✓' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function call(params: SdkRequestParams): Promise<{ err: (Error & { code?: string }) | null; res?: SdkResponse; body?: string | Buffer }> {
  return new Promise((resolve) => sdkRequest(params, (err, res, body) => resolve({ err: err as (Error & { code?: string }) | null, res, body })));
}

describe("matrix-bot-sdk's HTTP client (src/chat/matrix/http-request.ts)", () => {
  it('sends the method, query (arrays as repeated keys), headers and a JSON body; answers with status, headers and a UTF-8 body', async () => {
    const { err, res, body } = await call({
      uri: `${base}/_matrix/client/v3/sync`,
      method: 'PUT',
      qs: { since: 's1 2', set: ['a', 'b'], timeout: 30000 },
      headers: { Authorization: 'Bearer tok', 'Content-Type': 'application/json' },
      body: JSON.stringify({ msgtype: 'm.notice', body: 'grüße' }),
      timeout: 5000,
    });
    expect(err).toBeNull();
    expect(res!.statusCode).toBe(200);
    expect(res!.headers['content-type']).toBe('application/json');
    expect(body).toBe(JSON.stringify({ ok: true, unicode: 'grüße ✓' }));
    expect(res!.body).toBe(body);
    const s = seen.at(-1)!;
    expect(s.method).toBe('PUT');
    expect(s.url).toBe('/_matrix/client/v3/sync?since=s1%202&set=a&set=b&timeout=30000');
    expect(s.headers.authorization).toBe('Bearer tok');
    expect(s.body).toBe(JSON.stringify({ msgtype: 'm.notice', body: 'grüße' }));
  });

  it('gives a Buffer body when asked (encoding: null), and a non-2xx answer as a response, not an error', async () => {
    const bytes = await call({ uri: `${base}/bytes`, encoding: null });
    expect(bytes.err).toBeNull();
    expect(Buffer.isBuffer(bytes.body)).toBe(true);
    expect([...(bytes.body as Buffer)]).toEqual([0, 1, 2, 255]);
    const missing = await call({ uri: `${base}/missing` });
    expect(missing.err).toBeNull();
    expect(missing.res!.statusCode).toBe(404);
    expect(JSON.parse(missing.body as string)).toEqual({ errcode: 'M_NOT_FOUND', error: 'no such thing' });
  });

  it('fails with request\'s error codes on a timeout and a refused connection', async () => {
    const slow = await call({ uri: `${base}/slow`, timeout: 200 });
    expect(slow.err?.code).toBe('ESOCKETTIMEDOUT');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await call({ uri: `http://127.0.0.1:${port}/x`, timeout: 5000 });
    expect(refused.err?.code).toBe('ECONNREFUSED');
  });

  it('takes the proxy from the environment as request does: HTTPS_PROXY, else HTTP_PROXY, none where NO_PROXY covers the host', () => {
    const u = (x: string) => new URL(x);
    const env = { HTTP_PROXY: 'http://p1:3128', HTTPS_PROXY: 'p2:8080' };
    expect(proxyFor(u('http://hs.example.org/x'), env)?.href).toBe('http://p1:3128/');
    expect(proxyFor(u('https://hs.example.org/x'), env)?.href).toBe('http://p2:8080/');
    expect(proxyFor(u('https://hs.example.org/x'), { http_proxy: 'http://p1:3128' })?.href).toBe('http://p1:3128/');
    expect(proxyFor(u('https://hs.example.org/x'), {})).toBeUndefined();
    expect(proxyFor(u('https://hs.example.org/x'), { ...env, NO_PROXY: 'localhost, .example.org' })).toBeUndefined();
    expect(proxyFor(u('https://hs.example.org/x'), { ...env, NO_PROXY: 'example.org' })).toBeUndefined();
    expect(proxyFor(u('https://hs.example.org/x'), { ...env, no_proxy: 'hs.example.org:8448' })?.href).toBe('http://p2:8080/');
    expect(proxyFor(u('https://hs.example.org:8448/x'), { ...env, no_proxy: 'hs.example.org:8448' })).toBeUndefined();
    expect(proxyFor(u('https://hs.example.org/x'), { ...env, NO_PROXY: 'notexample.org' })?.href).toBe('http://p2:8080/');
    expect(proxyFor(u('http://10.0.0.1/x'), { ...env, NO_PROXY: '*' })).toBeUndefined();
  });

  it('goes through an HTTP proxy: plain HTTP in absolute form with its credentials, HTTPS through a CONNECT tunnel', async () => {
    const asked: string[] = [];
    let hello: number | undefined;
    // The "homeserver" behind the tunnel: a TCP server that takes the first byte (TLS starts with a handshake record, 0x16) and hangs up.
    const tlsEnd = createTcpServer((s) => s.once('data', (b: Buffer) => ((hello = b[0]), s.destroy())));
    await new Promise<void>((r) => tlsEnd.listen(0, '127.0.0.1', r));
    const tlsPort = (tlsEnd.address() as AddressInfo).port;
    const proxy = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
      const target = new URL(req.url!);
      req.pipe(
        httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        }),
      );
    });
    proxy.on('connect', (req: IncomingMessage, client: import('node:net').Socket) => {
      asked.push(`CONNECT ${req.url}`);
      if (req.url !== `127.0.0.1:${tlsPort}`) {
        client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      const up = netConnect(tlsPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(client).pipe(up);
      });
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = `http://bb:s%3Acret@127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    delete process.env.HTTPS_PROXY;
    delete process.env.NO_PROXY;
    try {
      const plain = await call({ uri: `${base}/_matrix/client/versions`, qs: { a: 1 }, timeout: 5000 });
      expect(plain.err).toBeNull();
      expect(plain.res!.statusCode).toBe(200);
      expect(asked[0]).toBe(`GET ${base}/_matrix/client/versions?a=1 Basic ${Buffer.from('bb:s:cret').toString('base64')}`);
      // HTTPS: the tunnel opens and TLS starts inside it (the far end is no TLS server, so the handshake fails).
      const tunneled = await call({ uri: `https://127.0.0.1:${tlsPort}/_matrix/client/versions`, timeout: 5000 });
      expect(tunneled.err).not.toBeNull();
      expect(asked[1]).toBe(`CONNECT 127.0.0.1:${tlsPort}`);
      expect(hello).toBe(0x16);
      const refused = await call({ uri: 'https://127.0.0.1:1/x', timeout: 5000 });
      expect(refused.err?.message).toMatch(/^proxy 127\.0\.0\.1:\d+ refused the tunnel to 127\.0\.0\.1:1: HTTP 403$/);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
      await new Promise((r) => tlsEnd.close(r));
    }
  });

  it('is what the SDK sends with: its errors and results come through as before', async () => {
    const client = new MatrixClient(base, 'tok');
    expect(await client.doRequest('GET', '/_matrix/client/v3/thing', { a: [1, 2] })).toEqual({ ok: true, unicode: 'grüße ✓' });
    expect(seen.at(-1)!.url).toBe('/_matrix/client/v3/thing?a=1&a=2');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer tok');
    await expect(client.doRequest('GET', '/missing')).rejects.toMatchObject({ errcode: 'M_NOT_FOUND', statusCode: 404 });
  });
});

describe('matrix-bot-sdk as bb loads it (src/chat/matrix/sdk.ts)', () => {
  it('loads without express, morgan, postgres, sanitize-html, html-to-text or request; a deferred one loads when used', () => {
    // A fresh compiled process: in this one, other tests may have loaded the real packages.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const { MatrixClient, LogService } = await import(${JSON.stringify(join(PACKAGE_ROOT, 'dist/src/chat/matrix/sdk.js'))});
      LogService.setLogger({ info() {}, warn() {}, error() {}, debug() {}, trace() {} });
      // Files of each package in the cache: a deferred one or the replaced request is one; a loaded package more, or its dependencies.
      const pkgs = ['express', 'morgan', 'postgres', 'sanitize-html', 'html-to-text', 'request', 'ajv', 'postcss', 'body-parser', 'sshpk', 'htmlparser2'];
      const count = () => Object.fromEntries(pkgs.map((p) => [p, Object.keys(require.cache).filter((f) => f.includes('/node_modules/' + p + '/')).length]));
      const files = Object.keys(require.cache).length;
      const before = count();
      let sent = '';
      try {
        await new MatrixClient('http://127.0.0.1:1', 'tok').sendHtmlNotice('!r:x', '<b>x</b>');
      } catch (err) {
        sent = err.code;
      }
      console.log(JSON.stringify({ files, before, after: count(), sent }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PACKAGE_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { files: number; before: Record<string, number>; after: Record<string, number>; sent: string };
    expect(out.before).toEqual({ express: 1, morgan: 1, postgres: 1, 'sanitize-html': 1, 'html-to-text': 1, request: 1, ajv: 0, postcss: 0, 'body-parser': 0, sshpk: 0, htmlparser2: 0 });
    expect(out.files).toBeLessThan(200); // 548 with everything the SDK's index loads
    // An HTML notice needs html-to-text: it loads (one file, and its parser), and the message goes out (to a port that refuses it).
    expect(out.after.htmlparser2).toBeGreaterThan(0);
    expect(out.after.request).toBe(1);
    expect(out.sent).toBe('ECONNREFUSED');
  });
});
