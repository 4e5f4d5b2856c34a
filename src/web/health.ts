import type { PageReply, WebContext } from './context.js';

/** One chat transport as /healthz reports it; `connected` null when the transport cannot tell; `lines` said and waiting (/metrics). */
export interface ChatHealth {
  transport: string;
  connected: boolean | null;
  lines?: { sent: number; queued: number };
}

/**
 * `/healthz`: Redis (a PING and its round trip), each chat transport, and what the master adds (`more`). 200 when Redis answers
 * and no transport says it is disconnected, else 503, with the details as JSON either way.
 */
export async function healthReply(ctx: WebContext, chat: () => ChatHealth[], more?: () => Promise<Record<string, unknown>>): Promise<PageReply> {
  let redis: { ok: boolean; ms?: number; error?: string };
  try {
    const ms = await Promise.race([
      ctx.store.roundTrip(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 2 s')), 2000).unref()),
    ]);
    redis = { ok: true, ms: Math.round(ms * 100) / 100 };
  } catch (err) {
    redis = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const transports = chat();
  const ok = redis.ok && transports.every((t) => t.connected !== false);
  // The master's own report (guardrail warnings, the last retention pass) rides along.
  const extra = more && redis.ok ? await more().catch((err: unknown) => ({ statusError: err instanceof Error ? err.message : String(err) })) : {};
  return { status: ok ? 200 : 503, type: 'json', body: JSON.stringify({ ok, redis, chat: transports, ...extra }) };
}
