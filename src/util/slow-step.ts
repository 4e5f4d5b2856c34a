/**
 * Awaits `p` (nothing when there is none), and says in the log (at warn) when it is still pending
 * after `afterMs`, and again every `afterMs` after that, naming `what`: a shutdown step waiting on
 * something that never answers shows which one it is instead of nothing at all.
 */
export async function slowStep(log: { warn(obj: object, msg: string): void }, what: string, p: Promise<unknown> | undefined, afterMs = 10_000): Promise<void> {
  if (!p) return;
  const started = Date.now();
  const timer = setInterval(() => log.warn({ step: what, waitedMs: Date.now() - started }, `still waiting for ${what}`), afterMs);
  timer.unref();
  try {
    await p;
  } finally {
    clearInterval(timer);
  }
}
