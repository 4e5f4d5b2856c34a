import type { NotifyEvent } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import { isFailing } from '../model/results.js';
import { classifyFinished, isCounted, type Outcome, type Transition } from './classify.js';
import { failureSignature, isFailedTest } from './failure.js';
import { finishedNews, type News } from './news.js';
import { newFailingTests, sameSource, speaksForHistory } from '../problems/compare.js';
import { flakyField, isFlaky } from '../problems/flaky.js';
import type { TestCaseResult } from '../model/build.js';

export interface FinishedAnnouncement {
  news: News;
  classes: NotifyEvent[];
  transition: Transition;
}

/**
 * The builder's newest finished build before `build` whose result counts (not RETRY, CANCELLED or
 * SKIPPED), read from the store so the answer is the same after a restart.
 */
export async function previousCounted(store: Store, build: Build): Promise<Build | null> {
  for (const window of [10, 200]) {
    const recent = await store.lastBuilds(build.builder, window);
    const found = recent.find((b) => b.number < build.number && b.state === 'finished' && b.result !== undefined && isCounted(b.result));
    if (found || recent.length < window) return found ?? null;
  }
  return null;
}

/** How a finished build is announced: what it says and which event classes it matches. */
export async function announceFinished(store: Store, build: Build, titleUrl?: string): Promise<FinishedAnnouncement> {
  const result = build.result ?? 'EXCEPTION';
  const tests = build.tests?.failed || isFailing(result) ? await store.getTests(build.id) : [];
  const current: Outcome = { result, signature: failureSignature(build, tests) };
  const prev = isCounted(result) ? await previousCounted(store, build) : null;
  let previous: Outcome | null = null;
  if (prev?.result) {
    previous = { result: prev.result };
    if (isFailing(prev.result) && isFailing(result)) previous.signature = failureSignature(prev, await store.getTests(prev.id));
  }
  const { classes, transition } = classifyFinished(current, previous);
  const extra: { newTests?: TestCaseResult[]; flakyTests?: TestCaseResult[] } = {};
  const failed = tests.filter(isFailedTest);
  if (failed.length && speaksForHistory(build)) {
    // Tests the previous build of the same source did not run, failing now: said once, here, not a Problem.
    if (prev && sameSource(prev, build)) extra.newTests = newFailingTests(await store.getTests(prev.id), failed);
    const memory = await store.flaky.records(build.builder);
    extra.flakyTests = failed.filter((t) => isFlaky(memory.get(flakyField(build.sourcestamp, { kind: 'test', suite: t.suite, name: t.name }))));
  }
  return { news: finishedNews(build, tests, transition, titleUrl, extra), classes, transition };
}
