import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { stringify } from 'node:querystring';

/**
 * The HTTP client matrix-bot-sdk calls (its `setRequestFn` hook: "must be compatible with
 * `request`"), over node:http. The SDK's default is the `request` package, which with its
 * dependencies (ajv, sshpk, tough-cookie, har-validator…) is 170 modules and about 5 MiB of heap
 * in a master for what is here some 60 lines. It does what the SDK asks of `request`: `uri` with
 * `qs` (a querystring, arrays as repeated keys), `method`, `headers`, a string or Buffer `body`,
 * `timeout` (connecting and between bytes), `encoding: null` for a Buffer body instead of a
 * string, keep-alive connections; the callback gets the response with its `statusCode`,
 * `headers` and `body`. No redirects, cookies, proxies or compression: the Client-Server API
 * the SDK calls uses none of them.
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
  const req = (https ? httpsRequest : httpRequest)(url, { method: params.method ?? 'GET', headers, agent: https ? agents.https : agents.http }, (res: IncomingMessage) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', (err) => finish(err));
    res.on('end', () => {
      const raw = Buffer.concat(chunks);
      finish(null, Object.assign(res, { statusCode: res.statusCode ?? 0, body: params.encoding === null ? raw : raw.toString('utf8') }));
    });
  });
  let connected = false;
  req.on('socket', (s) => {
    if (!s.connecting) connected = true;
    else s.once('connect', () => (connected = true));
  });
  if (params.timeout) req.setTimeout(params.timeout, () => req.destroy(timedOut(connected)));
  req.on('error', (err) => finish(err));
  req.end(params.body);
}
