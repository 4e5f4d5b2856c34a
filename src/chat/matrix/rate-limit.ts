/**
 * Runs `send`, waiting and trying again while the homeserver answers 429 `M_LIMIT_EXCEEDED`
 * (matrix-bot-sdk throws those at once). Any other error, or too many tries, is thrown.
 */
export async function retryRateLimited<T>(send: () => Promise<T>, tries = 5, maxWaitMs = 30_000): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const wait = rateLimitWaitMs(err);
      if (wait === null || attempt >= tries) throw err;
      await new Promise((done) => setTimeout(done, Math.min(wait, maxWaitMs)));
    }
  }
}

/** How long the server asked us to wait, or null when the error is not a rate limit. */
export function rateLimitWaitMs(err: unknown): number | null {
  const e = err as { statusCode?: unknown; errcode?: unknown; retryAfterMs?: unknown } | null;
  if (e?.statusCode !== 429 && e?.errcode !== 'M_LIMIT_EXCEEDED') return null;
  return typeof e.retryAfterMs === 'number' && e.retryAfterMs >= 0 ? e.retryAfterMs : 1000;
}
