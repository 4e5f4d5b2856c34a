import type { Logger } from './log.js';
import type { MasterQueues } from './queue/master-queues.js';
import { QUEUES } from './queue/jobs.js';
import { QueueTimers } from './queue/timers.js';
import type { ChangeSchedulers } from './schedulers/tree-stable.js';
import type { TimedSchedulers } from './schedulers/timed.js';
import type { Hassler } from './problems/hassler.js';
import type { TierService } from './tiers/service.js';
import type { ProblemDetector } from './problems/detector.js';

/** The parts of the master whose timers fire (src/model/timers.ts). */
export interface TimerParts {
  queues: MasterQueues;
  schedulers: ChangeSchedulers;
  timed: TimedSchedulers;
  hassler: Hassler;
  tiers: TierService;
  problems: ProblemDetector;
  log: Logger;
}

/** What `startTimers` leaves running. */
export interface TimerWork {
  /** Resolves once no timer is due or running and the work of a moved clock is done (`master.settled()`). */
  idle(): Promise<void>;
  /** Stops listening to the clock. */
  stop(): void;
}

/**
 * Runs the master's timers: a worker on the `timers` queue hands each fired timer to its part,
 * and when a test moves the clock by hand (`ManualClock`), what became due fires and every part
 * reads the clock again (periodic and nightly deadlines, hassle ladders, demotion expiry, the
 * sweep of suspected Problems).
 */
export function startTimers(p: TimerParts): TimerWork {
  const { timers } = p.queues;
  p.queues.work(
    QUEUES.timers,
    4,
    QueueTimers.dispatch({
      'tree-stable': async (t, jobId) => ({ buildsetId: await p.schedulers.fire(t, jobId) }),
      timed: async (t, jobId) => ({ buildsetId: await p.timed.fire(t, jobId) }),
      hassle: async (t, jobId) => {
        await p.hassler.wake(t.problem, jobId);
        return { problem: t.problem };
      },
      'tier-expiry': async (_t, jobId) => {
        await p.tiers.expired(jobId);
        return {};
      },
    }),
  );
  const pending = new Set<Promise<void>>();
  const moved = async () => {
    await p.timed.rearm();
    await p.hassler.rearm();
    await p.tiers.recheck();
    await p.problems.sweepSoon();
    await timers.fireDue();
  };
  const track = (work: () => Promise<void>) => {
    const run = work().catch((err: unknown) => p.log.error({ err }, 'timers: re-reading the moved clock failed'));
    pending.add(run);
    void run.finally(() => pending.delete(run));
  };
  const off = timers.clock.onMove?.(() => track(moved));
  // Under a clock moved by hand, timers armed before this start and due by now wait for no move.
  if (off) track(() => timers.fireDue());
  return {
    async idle() {
      for (;;) {
        while (pending.size) await Promise.all(pending);
        if (!(await timers.busy())) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => off?.(),
  };
}
