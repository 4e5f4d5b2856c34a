import type { NotifyEvent } from '../config/schema.js';
import { isFailing, type Result } from '../model/results.js';
import type { Problem } from '../model/problem.js';
import { sameFailure, type FailureSignature } from './failure.js';

/** A finished build as far as announcing goes: its result and, when it failed, how. */
export interface Outcome {
  result: Result;
  signature?: FailureSignature;
}

/**
 * What a finished build means next to the builder's previous counted build:
 * `first` (no previous), `fixed`, `broke`, `still failing` (same result, same failing steps and
 * tests), `failing differently`, `still good`, or `uncounted` (RETRY, CANCELLED, SKIPPED say nothing
 * about the code and are not compared).
 */
export type Transition = 'first' | 'fixed' | 'broke' | 'still failing' | 'failing differently' | 'still good' | 'uncounted';

const RANK: Partial<Record<Result, number>> = { SUCCESS: 0, WARNINGS: 1, FAILURE: 2, EXCEPTION: 3 };

/** A result that is compared with the next build's (the others leave the comparison alone). */
export function isCounted(r: Result): boolean {
  return RANK[r] !== undefined;
}

export function transition(current: Outcome, previous: Outcome | null): Transition {
  if (!isCounted(current.result)) return 'uncounted';
  if (!previous) return 'first';
  const wasBad = isFailing(previous.result);
  const isBad = isFailing(current.result);
  if (!wasBad) return isBad ? 'broke' : 'still good';
  if (!isBad) return 'fixed';
  const same = previous.result === current.result && current.signature && previous.signature && sameFailure(current.signature, previous.signature);
  return same ? 'still failing' : 'failing differently';
}

/**
 * The event classes a finished build matches. `finished` always; the result's own class, except
 * that a failure (or exception) the same as the previous one is not matched again; `recovery`
 * when it fixed a failing builder; `worse`/`better` when the result is more/less severe than before.
 */
export function classifyFinished(current: Outcome, previous: Outcome | null): { classes: NotifyEvent[]; transition: Transition } {
  const t = transition(current, previous);
  const classes: NotifyEvent[] = ['finished'];
  if (t === 'uncounted') return { classes, transition: t };
  const own = current.result.toLowerCase() as 'success' | 'warnings' | 'failure' | 'exception';
  if (!(t === 'still failing' && isFailing(current.result))) classes.push(own);
  if (t === 'fixed') classes.push('recovery');
  if (previous) {
    const before = RANK[previous.result]!;
    const now = RANK[current.result]!;
    if (now > before) classes.push('worse');
    if (now < before) classes.push('better');
  }
  return { classes, transition: t };
}

/**
 * The event classes a Problem event matches: `problem` for an opened (confirmed), flaky or
 * resolved Problem, except the resolution of one that was never confirmed (it was never announced
 * as opened: its builder passed again before a verdict on its rerun).
 */
export function classifyProblem(event: 'opened' | 'flaky' | 'resolved', p: Pick<Problem, 'confirmedAt'>): NotifyEvent[] {
  if (event === 'resolved' && p.confirmedAt === undefined) return [];
  return ['problem'];
}
