import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { WebhookKind } from '../config/http-secrets.js';
import { changeInputSchema, type ChangeFields } from '../model/change.js';
import { BodyTooLarge, readBody } from './body.js';
import { HookError, header, type WebhookHandler } from './hook.js';
import { generic } from './generic.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';

/** Every webhook bb serves, under `/change_hook/<name>`. */
export const WEBHOOKS: Readonly<Record<WebhookKind, WebhookHandler>> = { github, gitlab, generic };

export interface WebhookServerOptions {
  /** Default 127.0.0.1. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  maxBodyBytes: number;
  /** How long a stored push keeps a replay of it out, in seconds. */
  replayWindowSec: number;
  /** The configured webhooks, each with its secret (GitLab: its token) and the project its changes get. */
  hooks: ReadonlyMap<WebhookKind, { secret: string; project?: string }>;
  /** Stores changes in the order given (one transaction); returns how many were new. */
  intake(items: Array<{ fields: ChangeFields; key?: string; keyTtlSec?: number }>): Promise<number>;
  log: Logger;
  /** The web pages (src/web): answers a request and returns true, or false when the path is not a page. */
  pages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** More of `/healthz`'s body beside `ok: true` (the master: its guardrail warnings). */
  health?: () => Promise<Record<string, unknown>>;
}

/** Answered, with what to log. */
class Reply {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
}

const reject = (status: number, error: string) => new Reply(status, { error });

/**
 * The master's HTTP side: `POST /change_hook/{github,gitlab,generic}`, and the web pages (`pages`, which also answer
 * `/healthz` and `/metrics`; without them `GET /healthz` answers `{ok: true}`). A request
 * must prove it comes from the configured service (a signature or token, checked in constant time)
 * before its payload is read; valid changes are checked like `bb sendchange`'s and stored in
 * commit order. Every refusal is logged with a fixed message and the reason beside it, and
 * creates nothing.
 */
export class WebhookServer {
  private server?: Server;

  constructor(private readonly opts: WebhookServerOptions) {}

  async start(): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    this.opts.log.info({ host: addr.address, port: addr.port, webhooks: [...this.opts.hooks.keys()] }, 'http server listening');
    return addr;
  }

  /** Where it listens (after start). */
  get address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const hook = path.startsWith('/change_hook/') ? path.slice('/change_hook/'.length) : undefined;
    if (hook === undefined && this.opts.pages) {
      try {
        if (await this.opts.pages(req, res)) return;
      } catch (err) {
        this.opts.log.error({ err, path }, 'page failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error');
        return;
      }
    }
    let reply: Reply;
    try {
      reply = await this.route(req, path, hook);
    } catch (err) {
      const id = randomUUID().slice(0, 8);
      this.opts.log.error({ err, hook, id }, 'webhook failed');
      reply = reject(500, `internal error (id ${id})`);
    }
    const log = { hook, status: reply.status, remote: req.socket.remoteAddress, delivery: deliveryOf(req), ...reply.body };
    if (hook !== undefined) {
      if (reply.status >= 400) this.opts.log.warn(log, 'webhook rejected');
      else if ('ignored' in reply.body) this.opts.log.info(log, 'webhook ignored');
      else this.opts.log.info(log, 'webhook accepted');
    }
    const text = JSON.stringify(reply.body);
    const closing = reply.status === 413;
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(reply.status === 405 ? { allow: hook === undefined ? 'GET' : 'POST' } : {}),
      ...(closing ? { connection: 'close' } : {}),
    });
    res.end(text);
  }

  private async route(req: IncomingMessage, path: string, hook: string | undefined): Promise<Reply> {
    if (path === '/healthz') return req.method === 'GET' || req.method === 'HEAD' ? new Reply(200, { ok: true, ...(await this.opts.health?.()) }) : reject(405, 'use GET');
    if (hook === undefined) return reject(404, 'not found');
    const handler = Object.hasOwn(WEBHOOKS, hook) ? WEBHOOKS[hook as WebhookKind] : undefined;
    const conf = handler ? this.opts.hooks.get(hook as WebhookKind) : undefined;
    if (!handler || !conf) return reject(404, `no ${hook} webhook is configured`);
    if (req.method !== 'POST') return reject(405, 'use POST');
    let body: Buffer;
    try {
      body = await readBody(req, this.opts.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) return reject(413, err.message);
      throw err;
    }
    const proof = handler.verify(req.headers, body, conf.secret);
    if (proof === 'missing') return reject(401, hook === 'gitlab' ? 'missing X-Gitlab-Token' : 'missing signature');
    if (proof === 'bad') return reject(403, hook === 'gitlab' ? 'wrong token' : 'signature does not match');
    try {
      const outcome = handler.parse(req.headers, body, conf.project !== undefined ? { project: conf.project } : {});
      if (outcome.kind === 'ignored') return new Reply(outcome.status, { changes: 0, ignored: outcome.reason });
      const pushId = createHash('sha256').update(outcome.identity).digest('hex').slice(0, 40);
      const items = outcome.changes.map((input, i) => {
        const parsed = changeInputSchema.safeParse(input);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new HookError(400, `change ${i}: ${issue.path.join('.') || 'change'}: ${issue.message}`);
        }
        // Known by what was signed, never by the unsigned delivery id: a replay with a new id adds nothing.
        const key = `hook|${hook}|${pushId}|${i}|${(parsed.data.revision ?? '').slice(0, 100)}`;
        return { fields: parsed.data, key, keyTtlSec: this.opts.replayWindowSec };
      });
      const stored = items.length ? await this.opts.intake(items) : 0;
      return new Reply(202, { changes: stored, ...(stored < items.length ? { duplicates: items.length - stored } : {}) });
    } catch (err) {
      if (err instanceof HookError) return reject(err.status, err.message);
      throw err;
    }
  }
}

function deliveryOf(req: IncomingMessage): string | undefined {
  return header(req.headers, 'x-github-delivery') ?? header(req.headers, 'x-gitlab-event-uuid') ?? header(req.headers, 'x-bb-delivery');
}
