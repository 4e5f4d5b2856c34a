import picomatch from 'picomatch';
import type { ChangeFilter, ChangeSchedulerConfig, Matcher } from '../config/schema.js';
import type { Change } from '../model/change.js';

/**
 * Which changes a change scheduler (single-branch or any-branch) takes, and which of them are
 * important enough to (re)start its tree-stable timer. Pure: no I/O, no clock.
 */

/**
 * How `fileIsImportant` globs are compiled, here and when the config is checked: a glob matches
 * the whole path relative to the repository root, dot files included; unbalanced brackets are an
 * error rather than literal characters.
 */
export const GLOB_OPTIONS = { dot: true, strictBrackets: true } as const;

/** Compile one glob; throws (with picomatch's explanation) when it cannot be compiled. */
export function compileGlob(glob: string): (path: string) => boolean {
  return picomatch(glob, GLOB_OPTIONS);
}

function matchOne(matcher: Matcher | undefined, value: string | undefined): boolean {
  if (matcher === undefined) return true;
  if (typeof matcher === 'function') return Boolean(matcher(value));
  if (value === undefined) return false;
  return typeof matcher === 'string' ? matcher === value : matcher.includes(value);
}

/** Every matcher given in the filter agrees with the change: a string exactly, an array any of its entries, a function by its result. */
export function matchesFilter(filter: ChangeFilter | undefined, change: Change): boolean {
  if (!filter) return true;
  return (
    matchOne(filter.branch, change.branch) &&
    matchOne(filter.project, change.project) &&
    matchOne(filter.repository, change.repository) &&
    matchOne(filter.category, change.category)
  );
}

/**
 * A single-branch scheduler takes changes on its branch; an any-branch scheduler takes changes on
 * any branch (a change without a branch is not one of them). The filter applies to both.
 */
export function schedulerWantsChange(scheduler: ChangeSchedulerConfig, change: Change): boolean {
  if (scheduler.type === 'single-branch') {
    if (change.branch !== scheduler.branch) return false;
  } else if (!change.branch) {
    return false;
  }
  return matchesFilter(scheduler.filter, change);
}

type FileTest = (path: string) => boolean;

/** Compiled glob lists, keyed by the config's own array so each is compiled once. */
const compiled = new WeakMap<readonly string[], FileTest>();

function fileTest(globs: readonly string[]): FileTest {
  let test = compiled.get(globs);
  if (!test) {
    const tests = globs.map(compileGlob);
    test = (path) => tests.some((t) => t(path));
    compiled.set(globs, test);
  }
  return test;
}

/**
 * Whether a wanted change restarts the scheduler's tree-stable timer. Without `fileIsImportant`
 * every change is important; with globs, a change is important when any of its files matches any
 * glob (so a change that lists no files is not); a function decides for itself.
 */
export function isImportant(scheduler: Pick<ChangeSchedulerConfig, 'fileIsImportant'>, change: Change): boolean {
  const rule = scheduler.fileIsImportant;
  if (rule === undefined) return true;
  if (typeof rule === 'function') return Boolean(rule(change));
  const test = fileTest(rule);
  return change.files.some(test);
}
