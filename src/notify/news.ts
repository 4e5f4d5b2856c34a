import { clipLine } from '../util/safe-text.js';
import { testedRevision, type Build, type TestCaseResult } from '../model/build.js';
import type { Result } from '../model/results.js';
import type { ExecutorAnnouncement } from '../data/announcements.js';
import { subjectLabel, type Problem } from '../model/problem.js';
import { authorName } from '../status/status.js';
import { shortRev } from '../model/revision.js';
import { headline, isSummarised, problemUrl, wholeList, type Pointers } from '../problems/subject-text.js';
import { countLine, qualifiedNames, type TestRef } from '../problems/test-names.js';
import type { Transition } from './classify.js';
import { failedSteps, isFailedTest } from './failure.js';

/** The first few of a list, and how many more there are. */
export interface Shortlist {
  shown: string[];
  more: number;
}

/** What an announcement says, before it is rendered as text or HTML. Everything in it is untrusted. */
export type News =
  | {
      kind: 'finished';
      builder: string;
      number: number;
      result: Result;
      transition: Transition;
      steps: Shortlist;
      tests: Shortlist;
      /** Instead of names when more than LIST_MAX tests failed: `46 tests in test_parse.py and 5 more files`. */
      testsCounted?: string;
      /** Of the failing tests: those the previous build did not run (added failing: no Problem), and those remembered as flaky. */
      newTests?: Shortlist;
      flakyTests?: Shortlist;
      revision: string;
      authors: Shortlist;
      /** Why it ended so, for RETRY, CANCELLED and EXCEPTION (e.g. "executor lost"). */
      reason?: string;
      url?: string;
    }
  | { kind: 'started'; builder: string; number: number; executor: string; revision: string; authors: Shortlist; url?: string }
  | { kind: 'executor'; name: string; state: 'connected' | 'lost' | 'refused a process'; detail?: string }
  | {
      kind: 'problem';
      id: number;
      /** opened: confirmed (or opened without a rerun); flaky: passed on its confirming rerun; resolved: passes again everywhere. */
      event: ProblemNewsEvent;
      /** The failing tests (`suite.name`) or steps (`step name`), when few. */
      subjects: Shortlist;
      /** Instead of names, when many: `46 tests in test_parse.py and 5 more files`. */
      counted?: string;
      /** Where the whole list is, when names were left out. */
      rest?: string;
      /** The Problem's page. */
      url?: string;
      builders: Shortlist;
      /** First bad revision, shortened. */
      revision: string;
      guilty: Shortlist;
      /** resolved: the revision that fixed it (shortened) and its author, where known. */
      fixedRevision?: string;
      fixedBy?: string;
    };

export type ProblemNewsEvent = 'opened' | 'flaky' | 'resolved';

export const LIST_MAX = 3;
export const NAME_MAX = 80;

export function shortlist(items: string[], max = LIST_MAX): Shortlist {
  return { shown: items.slice(0, max).map(clip), more: Math.max(0, items.length - max) };
}

/** `<titleUrl>/builders/<builder>/builds/<number>`, or undefined without a titleUrl. */
export function buildUrl(titleUrl: string | undefined, builder: string, number: number): string | undefined {
  if (!titleUrl) return undefined;
  return `${titleUrl.replace(/\/+$/, '')}/builders/${encodeURIComponent(builder)}/builds/${number}`;
}

/** `<titleUrl>/builders/<builder>/builds/<number>/steps/<step>/log`: one step's whole log on the web. */
export function stepLogUrl(titleUrl: string | undefined, builder: string, number: number, step: number): string | undefined {
  const build = buildUrl(titleUrl, builder, number);
  return build && `${build}/steps/${step}/log`;
}

export function finishedNews(
  build: Build,
  tests: TestCaseResult[],
  transition: Transition,
  titleUrl?: string,
  extra: { newTests?: TestCaseResult[]; flakyTests?: TestCaseResult[] } = {},
): News {
  const result = build.result ?? 'EXCEPTION';
  const url = buildUrl(titleUrl, build.builder, build.number);
  const failed = tests.filter(isFailedTest);
  const counted = failed.length > LIST_MAX;
  return {
    kind: 'finished',
    builder: build.builder,
    number: build.number,
    result,
    transition,
    steps: shortlist(failedSteps(build)),
    tests: counted ? shortlist([]) : shortlist(testNames(failed, tests)),
    ...(counted ? { testsCounted: countLine(failed) } : {}),
    ...(extra.newTests?.length ? { newTests: shortlist(testNames(extra.newTests, tests)) } : {}),
    ...(extra.flakyTests?.length ? { flakyTests: shortlist(testNames(extra.flakyTests, tests)) } : {}),
    revision: revisionOf(build),
    authors: shortlist(build.blamelist.map(authorName)),
    ...(build.text && result !== 'SUCCESS' && result !== 'WARNINGS' && result !== 'FAILURE' ? { reason: clip(build.text) } : {}),
    ...(url ? { url } : {}),
  };
}

export function startedNews(build: Build, titleUrl?: string): News {
  const url = buildUrl(titleUrl, build.builder, build.number);
  return {
    kind: 'started',
    builder: build.builder,
    number: build.number,
    executor: build.executor,
    revision: revisionOf(build),
    authors: shortlist(build.blamelist.map(authorName)),
    ...(url ? { url } : {}),
  };
}

/** An executor's news, from its announcement (src/data/announcements.ts). */
export function executorNews(a: ExecutorAnnouncement): News {
  switch (a.event) {
    case 'connected':
      return { kind: 'executor', name: a.name, state: 'connected', detail: clip(`${a.hostname ?? 'unknown host'}, ${a.version ?? '?'}`) };
    case 'lost':
      return { kind: 'executor', name: a.name, state: 'lost', ...(a.why ? { detail: clip(a.why) } : {}) };
    case 'refused':
      return { kind: 'executor', name: a.name, state: 'refused a process', detail: `on ${a.hostname ?? 'unknown host'}, session ${a.session ?? '?'}: ${a.why ?? ''}` };
  }
}

/** A Problem's news: what fails (or failed, or passes again), where, since which revision, who is guilty. */
export function problemNews(p: Problem, event: ProblemNewsEvent, at?: Pointers): News {
  const counted = isSummarised(p);
  const url = problemUrl(at?.titleUrl, p.id);
  return {
    kind: 'problem',
    id: p.id,
    event,
    subjects: counted ? shortlist([]) : shortlist(p.subjects.map(subjectLabel)),
    ...(counted ? { counted: headline(p), ...(at && !url ? { rest: wholeList(p.id, { botName: at.botName }) } : {}) } : {}),
    ...(url ? { url } : {}),
    builders: shortlist(p.builders.map((b) => b.builder)),
    revision: clip(shortRev(p.firstBadRevision)),
    guilty: shortlist(p.guilty),
    ...fixedBy(p),
  };
}

/** The last fix of a Problem: the revision of the build that made it pass again, and its author. */
export function fixedBy(p: Problem): { fixedRevision?: string; fixedBy?: string } {
  const last = [...p.builders].filter((b) => b.fixedAt !== undefined).sort((a, b) => (b.fixedAt ?? 0) - (a.fixedAt ?? 0))[0];
  return {
    ...(last?.fixedRevision ? { fixedRevision: clip(shortRev(last.fixedRevision)) } : {}),
    ...(last?.fixedBy ? { fixedBy: clip(last.fixedBy) } : {}),
  };
}

/** Failing tests by name; a name that tests of other suites in the build share gets as much of its suite as tells them apart. */
function testNames(failed: TestCaseResult[], all: TestRef[]): string[] {
  return qualifiedNames(failed, all);
}

function revisionOf(build: Build): string {
  return clip(shortRev(testedRevision(build), 'HEAD'));
}

/** One line without control characters (no IRC formatting or CTCP smuggled in), at most NAME_MAX characters. */
export function clip(s: string): string {
  return clipLine(s, NAME_MAX);
}
