/** Small promise helpers for shutdown; their timers never keep the process alive on their own. */

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** The promise's value, or undefined when it takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, delay(ms).then(() => undefined)]);
}

/** Resolves once the map is empty. */
export async function whenEmpty(m: Map<unknown, unknown>): Promise<void> {
  while (m.size > 0) await delay(50);
}
