import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/** Node's garbage collector function, or null where it cannot be had. */
function collector(): (() => void) | null {
  if (gc === undefined) {
    try {
      // Node exposes no GC call without --expose-gc: set the flag now and take the function from a
      // fresh context (as jest's leak detector does), so the global scope gets no `gc`.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  return gc;
}

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

export interface Trimmed {
  /** How long the collection took. */
  ms: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** The young generation before and after, in bytes. */
  youngBefore: number;
  youngAfter: number;
}

/**
 * Gives memory back once a long-running process (the master) has gone idle. Loading bb and a
 * burst of work make V8 grow its young generation up to 2 × 16 MiB, and an idle process allocates
 * too little to ever collect it again, so it stays that big. A full collection made after V8 has
 * seen a few seconds of low allocation shrinks it to 2 × 1 MiB (RSS about 25 MiB lower); under load
 * it grows again, as it should. Every `everyMs` (the first time `firstMs` after the call), when the
 * event loop was at least 95% idle since the last look and the young generation is above 2 × 2 MiB,
 * this runs one such collection (10–40 ms, only when there is nothing else to do) and reports it;
 * while the young generation stays big, it tries again `firstMs` later, up to five times in a
 * row. Returns a function that stops it.
 */
export function trimWhenIdle(report: (t: Trimmed) => void, opts: { firstMs?: number; everyMs?: number } = {}): () => void {
  const soon = opts.firstMs ?? 3_000;
  let last = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout;
  // V8 judges the allocation rate from one collection to the next: right after a busy spell the
  // first collection may not shrink, the next, `soon` later, usually does. A few quick tries, then patience.
  let tries = 0;
  const look = () => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const youngBefore = youngGenerationBytes();
    const run = collector();
    let trimmed = false;
    if (run && busy < IDLE && youngBefore > BIG_YOUNG) {
      const t0 = performance.now();
      run();
      const mu = process.memoryUsage();
      const youngAfter = youngGenerationBytes();
      report({ ms: performance.now() - t0, rss: mu.rss, heapUsed: mu.heapUsed, heapTotal: mu.heapTotal, youngBefore, youngAfter });
      trimmed = youngAfter <= BIG_YOUNG;
      tries += 1;
    }
    // Look again soon while the young generation is big, with at most five collections in a row.
    const again = !trimmed && youngGenerationBytes() > BIG_YOUNG && tries < 5;
    if (!again) tries = 0;
    timer = setTimeout(look, again ? soon : (opts.everyMs ?? 60_000)).unref();
  };
  timer = setTimeout(look, soon).unref();
  return () => clearTimeout(timer);
}

/** Above 2 × 2 MiB, the young generation has grown since V8 set it up. */
const BIG_YOUNG = 4 * 1024 * 1024;
/** At most this share of the time since the last look spent running callbacks: idle enough to collect. */
const IDLE = 0.05;
