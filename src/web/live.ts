import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Build } from '../model/build.js';
import { ansiLine, type AnsiState } from './ansi.js';
import type { WebContext } from './context.js';
import type { LiveHub } from './live-hub.js';

/** Live updates by Server-Sent Events, fed by the data layer's events in this master. */

function openStream(req: IncomingMessage, res: ServerResponse, onClose: () => void): (event: string, data: unknown) => void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
  res.write('retry: 3000\n\n');
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  const close = () => {
    clearInterval(ping);
    onClose();
  };
  req.once('close', close);
  return (event, data) => {
    if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}

interface Cursor {
  step: number;
  /** Chunks already sent. */
  chunk: number;
  /** The line further text starts on (or continues, when `partial` is not empty). */
  line: number;
  partial: string;
  partialErr: boolean;
  state: AnsiState;
  busy?: Promise<void>;
  again?: boolean;
}

/** Parses `s=step:chunk:line,...` (from the page's log blocks). */
export function parseCursors(s: string | null, steps: number): Cursor[] {
  const out: Cursor[] = [];
  for (const part of (s ?? '').split(',').slice(0, 100)) {
    const m = /^(\d+):(\d+):(\d+)$/.exec(part);
    if (!m || Number(m[1]) >= steps) continue;
    out.push({ step: Number(m[1]), chunk: Number(m[2]), line: Math.max(1, Number(m[3])), partial: '', partialErr: false, state: {} });
  }
  return out;
}

/** The text of the open line a page stopped at: read back from its chunk to the last newline. */
async function rebuildPartial(ctx: WebContext, buildId: number, c: Cursor): Promise<void> {
  let text = '';
  for (let from = c.chunk, k = 8; from > 0; k *= 2) {
    const start = Math.max(0, from - k);
    const chunks = await ctx.store.logs.page(buildId, c.step, start, from - start);
    const joined = chunks.map((x) => x.text).join('');
    const nl = joined.lastIndexOf('\n');
    if (nl >= 0) {
      c.partial = joined.slice(nl + 1) + text;
      return;
    }
    text = joined + text;
    from = start;
    if (k > 4096) break;
  }
  c.partial = text;
}

const LIVE_BATCH = 500;

/** Sends what the step's log gained since the cursor, as numbered lines (the open last one included). */
async function catchUp(ctx: WebContext, buildId: number, c: Cursor, send: (e: string, d: unknown) => void): Promise<void> {
  for (;;) {
    const { chunks, end } = await ctx.store.logs.pageBudget(buildId, c.step, c.chunk, LIVE_BATCH);
    if (!chunks.length) return;
    const lines: Array<[number, string, number]> = [];
    for (const ch of chunks) {
      c.chunk += 1;
      const err = ch.stream === 'stderr';
      const parts = ch.text.split('\n');
      for (let i = 0; i < parts.length - 1; i++) {
        const started = i === 0 && c.partial ? c.partialErr : err;
        lines.push([c.line, ansiLine(i === 0 ? c.partial + parts[0] : parts[i]!, c.state), started ? 1 : 0]);
        c.line += 1;
      }
      const rest = parts[parts.length - 1]!;
      if (parts.length > 1) {
        c.partial = rest;
        c.partialErr = err;
      } else {
        if (!c.partial) c.partialErr = err;
        c.partial += rest;
      }
    }
    // The open line is sent as it stands; it is sent again, whole, when its newline comes.
    if (c.partial) lines.push([c.line, ansiLine(c.partial, { ...c.state }), c.partialErr ? 1 : 0]);
    send('log', { step: c.step, lines, chunk: c.chunk, line: c.line });
    if (end) return;
  }
}

function kick(ctx: WebContext, buildId: number, c: Cursor, send: (e: string, d: unknown) => void): Promise<void> {
  if (c.busy) {
    c.again = true;
    return c.busy;
  }
  c.busy = (async () => {
    do {
      c.again = false;
      await catchUp(ctx, buildId, c, send);
    } while (c.again);
  })().finally(() => (c.busy = undefined));
  return c.busy;
}

/** `/builders/<b>/builds/<n>/events?s=…`: a running build's log lines and step results; `end` when it finishes. */
export async function buildEvents(ctx: WebContext, hub: LiveHub, req: IncomingMessage, res: ServerResponse, build: Build, query: URLSearchParams): Promise<void> {
  const cursors = parseCursors(query.get('s'), build.steps.length);
  let off = () => {};
  const send = openStream(req, res, () => off());
  const byStep = new Map(cursors.map((c) => [c.step, c]));
  const fail = (err: unknown) => {
    send('error', { message: 'live log read failed' });
    res.destroy(err instanceof Error ? err : undefined);
  };
  const stepWord = (b: Build, i: number) => {
    const s = b.steps[i];
    return { step: i, word: s?.result ?? (s?.state === 'done' ? 'SUCCESS' : (s?.state ?? 'pending')), text: s?.text ?? '' };
  };
  // Subscribe first, then catch up: nothing written in between is missed.
  off = hub.addBuild(build.id, {
    log: (step) => {
      const c = byStep.get(step);
      if (c) kick(ctx, build.id, c, send).catch(fail);
    },
    step: (b, step) => send('step', stepWord(b, step)),
    finished: (b) => {
      void Promise.all(cursors.map((c) => kick(ctx, build.id, c, send)))
        .then(() => {
          send('end', { result: b.result });
          res.end();
        })
        .catch(fail);
    },
  });
  try {
    for (const c of cursors) await rebuildPartial(ctx, build.id, c);
    await Promise.all(cursors.map((c) => kick(ctx, build.id, c, send)));
    const now = await ctx.store.getBuild(build.id);
    if (now) now.steps.forEach((_, i) => send('step', stepWord(now, i)));
    if (now?.state === 'finished') {
      send('end', { result: now.result });
      res.end();
    }
  } catch (err) {
    fail(err);
  }
}

/** `/events`: tells an open console, builder or Problems page to fetch itself again (at most once a second). */
export function pageEvents(hub: LiveHub, req: IncomingMessage, res: ServerResponse): void {
  let off = () => {};
  const send = openStream(req, res, () => off());
  off = hub.addPage(() => send('refresh', {}));
}
