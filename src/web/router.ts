import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { PageReply, WebContext } from './context.js';
import { CSS } from './static-css.js';
import { JS } from './static-js.js';
import { consoleInputs, consolePage } from './console-page.js';
import { builderPage } from './builder-page.js';
import { buildPage } from './build-page.js';
import { logPage, stepIndex } from './log-page.js';
import { streamRawLog } from './log-view.js';
import { buildEvents, pageEvents } from './live.js';
import { buildsetPage, changePage } from './change-page.js';
import { badRequestPage, notFoundPage } from './errors.js';
import { extraRoute } from './routes-extra.js';
import { healthReply, type ChatHealth } from './health.js';
import { WebMetrics } from './metrics.js';
import { RenderCache, SharedRead } from './render-cache.js';
import { ConsoleModel } from './console-model.js';
import { LiveHub } from './live-hub.js';

/** Pages send this policy: only same-origin styles, script and EventSource; no inline anything, no frames. */
export const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY' };

const TYPES: Record<PageReply['type'], string> = { html: 'text/html; charset=utf-8', json: 'application/json; charset=utf-8', text: 'text/plain; charset=utf-8' };

function send(res: ServerResponse, reply: PageReply, head: boolean): void {
  res.writeHead(reply.status, { ...SECURITY, 'content-type': TYPES[reply.type], 'content-length': Buffer.byteLength(reply.body), 'cache-control': 'no-store' });
  res.end(head ? undefined : reply.body);
}

function sendStatic(res: ServerResponse, type: string, body: string, head: boolean): void {
  res.writeHead(200, { ...SECURITY, 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'public, max-age=300' });
  res.end(head ? undefined : body);
}

/** After these the console's tiers, tree, Problems and executors are read again (else once a second). */
const CONSOLE_SIDE_EVENTS = ['executor.connected', 'executor.lost', 'problem.opened', 'problem.resolved', 'problem.changed', 'problem.flaky'] as const;

const int = (s: string | undefined) => (s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined);

/**
 * The web pages: answers a GET or HEAD it knows and returns true; returns false for a path that is
 * not a page (the caller answers it). Every page is server-rendered HTML that works without script.
 */
export function webHandler(ctx: WebContext, log: Logger, extras: { chat?: () => ChatHealth[]; health?: () => Promise<Record<string, unknown>> } = {}): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const metrics = new WebMetrics(ctx, extras.chat);
  // The console's builds are kept in memory from the build events; the rest of what it shows
  // (tiers, tree, Problems, executors) is read at most once a second, and again after a Problem or
  // executor event; its HTML is shared by every viewer until the data changes. `?fresh` renders
  // the HTML anew from those (benchmarks).
  const model = new ConsoleModel(ctx.store, ctx.writesBuilds ? { follows: ctx.writesBuilds } : {});
  const side = new SharedRead(ctx.store.bus, () => consoleInputs(ctx), 1000, Date.now, CONSOLE_SIDE_EVENTS);
  const render = () => consolePage(ctx, model, () => side.get());
  const console_ = new RenderCache(ctx.store.bus, render);
  const hub = new LiveHub(ctx.store.bus);
  const busy = (res: ServerResponse) => {
    res.writeHead(503, { ...SECURITY, 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' });
    res.end(`too many live pages open (${hub.max}); reload later`);
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://bb.invalid');
    let segs: string[];
    try {
      segs = url.pathname.split('/').slice(1).map(decodeURIComponent);
    } catch {
      send(res, badRequestPage(ctx, 'The address is not valid URL encoding.'), false);
      return true;
    }
    if (segs[segs.length - 1] === '' && segs.length > 1) segs.pop();
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return false;
    try {
      const [a, b, c, d, e, f, g] = segs;
      if (segs.length === 1 && a === '') return send(res, url.searchParams.has('fresh') ? await render() : await console_.get(), head), true;
      if (a === 'static' && segs.length === 2) {
        if (b === 'bb.css') return sendStatic(res, 'text/css; charset=utf-8', CSS, head), true;
        if (b === 'bb.js') return sendStatic(res, 'text/javascript; charset=utf-8', JS, head), true;
      }
      if (a === 'events' && segs.length === 1) return hub.full ? busy(res) : pageEvents(hub, req, res), true;
      if (a === 'healthz' && segs.length === 1) return send(res, await healthReply(ctx, extras.chat ?? (() => []), extras.health), head), true;
      if (a === 'metrics' && segs.length === 1) {
        const m = await metrics.text();
        res.writeHead(200, { 'content-type': m.type, 'cache-control': 'no-store' });
        res.end(head ? undefined : m.body);
        return true;
      }
      if (a === 'builders' && b !== undefined) {
        if (segs.length === 2) return send(res, await builderPage(ctx, b, url.searchParams), head), true;
        const n = int(d);
        if (c === 'builds' && n !== undefined) {
          if (segs.length === 4) return send(res, await buildPage(ctx, b, n), head), true;
          const build = await ctx.store.buildByNumber(b, n);
          if (!build) return send(res, notFoundPage(ctx, `${b} has no build #${n}.`), head), true;
          if (segs.length === 5 && e === 'events') return hub.full ? busy(res) : await buildEvents(ctx, hub, req, res, build, url.searchParams), true;
          if (segs.length === 7 && e === 'steps' && f !== undefined && (g === 'log' || g === 'log.txt')) {
            if (g === 'log') return send(res, await logPage(ctx, b, n, f, url.searchParams), head), true;
            const step = stepIndex(build.steps, f);
            if (step === undefined) return send(res, notFoundPage(ctx, `${b} #${n} has no step ${f}.`), head), true;
            res.writeHead(200, { ...SECURITY, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-disposition': `inline; filename="${b.replace(/[^\w.-]/g, '_')}-${n}-${step}.log.txt"` });
            if (head) res.end();
            else await streamRawLog(ctx.store, build.id, step, res);
            return true;
          }
        }
      }
      const id = int(b);
      if (a === 'changes' && id !== undefined && segs.length === 2) return send(res, await changePage(ctx, id), head), true;
      if (a === 'buildsets' && id !== undefined && segs.length === 2) return send(res, await buildsetPage(ctx, id), head), true;
      const extra = await extraRoute(ctx, segs, url.searchParams);
      if (extra) return send(res, extra, head), true;
      if (a === 'change_hook') return false;
      send(res, notFoundPage(ctx, `Nothing is served at ${url.pathname}.`), head);
      return true;
    } catch (err) {
      const id = randomUUID().slice(0, 8);
      log.error({ err, path: url.pathname, id }, 'page failed');
      if (!res.headersSent) send(res, { status: 500, type: 'text', body: `internal error (id ${id})` }, head);
      else res.destroy();
      return true;
    }
  };
}
