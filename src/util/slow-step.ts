/**
 * Awaits `p`, and says in the log (at warn) when it is still pending after `afterMs`, and again
 * every `afterMs` after that, naming `what`: a shutdown step waiting on something that never
 * answers shows which one it is instead of nothing at all.
 */
export async function slowStep<T>(log: { warn(obj: object, msg: string): void }, what: string, p: Promise<T>, afterMs = 10_000): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => log.warn({ step: what, waitedMs: Date.now() - started }, `still waiting for ${what}`), afterMs);
  timer.unref();
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}
