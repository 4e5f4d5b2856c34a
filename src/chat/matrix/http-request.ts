import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { stringify } from 'node:querystring';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * The HTTP client matrix-bot-sdk calls (its `setRequestFn` hook: "must be compatible with
 * `request`"), over node:http. The SDK's default is the `request` package, which with its
 * dependencies (ajv, sshpk, tough-cookie, har-validator…) is 170 modules and about 5 MiB of heap
 * in a master for what is here some 60 lines. It does what the SDK asks of `request`: `uri` with
 * `qs` (a querystring, arrays as repeated keys), `method`, `headers`, a string or Buffer `body`,
 * `timeout` (connecting and between bytes), `encoding: null` for a Buffer body instead of a
 * string, keep-alive connections; the callback gets the response with its `statusCode`,
 * `headers` and `body`. Like `request`, it goes through the proxy that HTTP_PROXY / HTTPS_PROXY
 * name (lower case too; HTTPS_PROXY falls back to HTTP_PROXY) unless NO_PROXY covers the host: an
 * http:// URL in absolute form, an https:// one through a CONNECT tunnel. No redirects, cookies or
 * compression: the Client-Server API the SDK calls uses none of them.
 */
export interface SdkRequestParams {
  uri: string;
  method?: string;
  qs?: Record<string, unknown> | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeout?: number;
  /** null: the body as a Buffer; otherwise a UTF-8 string. */
  encoding?: null | string;
}

export interface SdkResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string | Buffer;
}

export type SdkRequestCallback = (err: Error | null, res?: SdkResponse, body?: string | Buffer) => void;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** `request`-style error for a timeout, with the code `request` gives (the SDK logs it). */
function timedOut(connected: boolean): Error {
  const code = connected ? 'ESOCKETTIMEDOUT' : 'ETIMEDOUT';
  return Object.assign(new Error(code), { code, connect: !connected });
}

/** Whether NO_PROXY (`*`, or a comma list of hosts, `host:port`, `.domain`) covers `url`. */
function noProxyCovers(url: URL, noProxy: string): boolean {
  if (noProxy.trim() === '*') return true;
  const host = `.${url.hostname.toLowerCase()}`;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.split(',').some((raw) => {
    const zone = raw.trim().toLowerCase().replace(/^\*?\.*/, '');
    if (!zone) return false;
    const [zoneHost, zonePort] = zone.split(':');
    return (zonePort === undefined || zonePort === port) && host.endsWith(`.${zoneHost}`);
  });
}

/** The proxy `request` would use for `url`, from the environment; undefined for none. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  if (noProxy && noProxyCovers(url, noProxy)) return undefined;
  const raw = url.protocol === 'http:' ? (env.HTTP_PROXY ?? env.http_proxy) : (env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy);
  if (!raw) return undefined;
  return new URL(raw.includes('://') ? raw : `http://${raw}`);
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(user).toString('base64')}` };
}

export function sdkRequest(params: SdkRequestParams, callback: SdkRequestCallback): void {
  let done = false;
  const finish = (err: Error | null, res?: SdkResponse) => {
    if (done) return;
    done = true;
    if (err) callback(err);
    else callback(null, res, res!.body);
  };
  let uri = params.uri;
  const query = params.qs ? stringify(params.qs as Record<string, string>) : '';
  if (query) uri += (uri.includes('?') ? '&' : '?') + query;
  let url: URL;
  try {
    url = new URL(uri);
  } catch (err) {
    finish(err as Error);
    return;
  }
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') {
    finish(new Error(`Invalid protocol: ${url.protocol}`));
    return;
  }
  const headers: Record<string, string | number> = { ...params.headers };
  if (params.body !== undefined) headers['content-length'] = Buffer.byteLength(params.body);
  const method = params.method ?? 'GET';
  const onResponse = (res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (err) => finish(err));
    res.on('end', () => {
      const raw = Buffer.concat(chunks);
      finish(null, Object.assign(res, { statusCode: res.statusCode ?? 0, body: params.encoding === null ? raw : raw.toString('utf8') }));
    });
  };
  let connected = false;
  const send = (req: ReturnType<typeof httpRequest>) => {
    req.on('socket', (s) => {
      if (!s.connecting) connected = true;
      else s.once('connect', () => (connected = true));
    });
    if (params.timeout) req.setTimeout(params.timeout, () => req.destroy(timedOut(connected)));
    req.on('error', (err) => finish(err));
    return req;
  };
  let proxy: URL | undefined;
  try {
    proxy = proxyFor(url);
  } catch (err) {
    finish(err as Error);
    return;
  }
  const toProxy = proxy?.protocol === 'https:' ? httpsRequest : httpRequest;
  if (!proxy) {
    send((https ? httpsRequest : httpRequest)(url, { method, headers, agent: https ? agents.https : agents.http }, onResponse)).end(params.body);
  } else if (!https) {
    // Plain HTTP through a proxy: the whole URL as the request target.
    const opts = { host: proxy.hostname, port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80), method, path: url.href, headers: { ...headers, host: url.host, ...proxyAuthorization(proxy) } };
    send(toProxy(opts, onResponse)).end(params.body);
  } else {
    // HTTPS through a proxy: a CONNECT tunnel, then TLS to the homeserver inside it.
    const port = url.port || '443';
    const tunnel = send(toProxy({ host: proxy.hostname, port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80), method: 'CONNECT', path: `${url.hostname}:${port}`, headers: { host: `${url.hostname}:${port}`, ...proxyAuthorization(proxy) } }));
    tunnel.on('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        finish(new Error(`proxy ${proxy!.host} refused the tunnel to ${url.host}: HTTP ${res.statusCode}`));
        return;
      }
      // The certificate is checked against the host; SNI carries a name only (never an address).
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const tls = tlsConnect({ socket, host, ...(isIP(host) ? {} : { servername: host }) });
      tls.on('error', (err) => finish(err));
      send(httpsRequest(url, { method, headers, agent: false, createConnection: () => tls }, onResponse)).end(params.body);
    });
    tunnel.end();
  }
}
