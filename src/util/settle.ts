/**
 * Waits until a set of workers that react to published events are all idle and a last round
 * published nothing new: `bus.emitted` counts what was published. Used by master.settled().
 */
export async function settle(bus: { readonly emitted: number }, idles: Array<() => Promise<unknown>>): Promise<void> {
  for (;;) {
    const before = bus.emitted;
    for (const idle of idles) await idle();
    if (bus.emitted === before) return;
  }
}
