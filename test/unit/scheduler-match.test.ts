import { describe, expect, it } from 'vitest';
import { schedulerSchema, type ChangeSchedulerConfig } from '../../src/config/schema.js';
import type { Change } from '../../src/model/change.js';
import { compileGlob, isImportant, matchesFilter, schedulerWantsChange } from '../../src/schedulers/match.js';

function change(fields: Partial<Change> = {}): Change {
  return {
    id: 1,
    author: 'Brian Warner <warner@example.org>',
    files: [],
    comments: '',
    repository: 'https://example.org/tahoe.git',
    project: 'tahoe',
    properties: {},
    source: 'sendchange',
    when: 0,
    receivedAt: 0,
    ...fields,
  };
}

function scheduler(fields: Record<string, unknown>): ChangeSchedulerConfig {
  const parsed = schedulerSchema.parse({ type: 'any-branch', name: 's', builders: ['linux'], treeStableTimer: 0, ...fields });
  if (parsed.type !== 'any-branch' && parsed.type !== 'single-branch') throw new Error('not a change scheduler');
  return parsed;
}

describe('scheduler filters', () => {
  it('an empty or absent filter takes every change', () => {
    expect(matchesFilter({}, change())).toBe(true);
    expect(matchesFilter(undefined, change())).toBe(true);
  });

  it('a string matches exactly, an array any of its entries', () => {
    expect(matchesFilter({ project: 'tahoe' }, change())).toBe(true);
    expect(matchesFilter({ project: 'taho' }, change())).toBe(false);
    expect(matchesFilter({ project: 'Tahoe' }, change())).toBe(false);
    expect(matchesFilter({ category: ['docs', 'code'] }, change({ category: 'code' }))).toBe(true);
    expect(matchesFilter({ category: ['docs', 'code'] }, change({ category: 'release' }))).toBe(false);
  });

  it('a string or array never matches a value the change does not have', () => {
    expect(matchesFilter({ category: 'code' }, change())).toBe(false);
    expect(matchesFilter({ branch: ['main'] }, change())).toBe(false);
  });

  it('a function gets the value (undefined when missing) and decides', () => {
    const seen: Array<string | undefined> = [];
    const filter = {
      category: (c: string | undefined) => {
        seen.push(c);
        return c === undefined || c.startsWith('ci-');
      },
    };
    expect(matchesFilter(filter, change({ category: 'ci-linux' }))).toBe(true);
    expect(matchesFilter(filter, change({ category: 'docs' }))).toBe(false);
    expect(matchesFilter(filter, change())).toBe(true);
    expect(seen).toEqual(['ci-linux', 'docs', undefined]);
  });

  it('every matcher given must agree', () => {
    const filter = { project: 'tahoe', repository: ['https://example.org/tahoe.git'], branch: 'main' };
    expect(matchesFilter(filter, change({ branch: 'main' }))).toBe(true);
    expect(matchesFilter(filter, change({ branch: 'dev' }))).toBe(false);
    expect(matchesFilter(filter, change({ branch: 'main', project: 'other' }))).toBe(false);
  });
});

describe('which changes a scheduler wants', () => {
  it('single-branch: only changes on its branch, then the filter', () => {
    const s = scheduler({ type: 'single-branch', branch: 'main', filter: { project: 'tahoe' } });
    expect(schedulerWantsChange(s, change({ branch: 'main' }))).toBe(true);
    expect(schedulerWantsChange(s, change({ branch: 'maint' }))).toBe(false);
    expect(schedulerWantsChange(s, change())).toBe(false);
    expect(schedulerWantsChange(s, change({ branch: 'main', project: 'other' }))).toBe(false);
  });

  it('any-branch: every branch, but not a change without one', () => {
    const s = scheduler({ type: 'any-branch' });
    expect(schedulerWantsChange(s, change({ branch: 'main' }))).toBe(true);
    expect(schedulerWantsChange(s, change({ branch: 'feature/x' }))).toBe(true);
    expect(schedulerWantsChange(s, change())).toBe(false);
  });

  it('any-branch with a branch filter function', () => {
    const s = scheduler({ filter: { branch: (b: string | undefined) => b !== 'main' } });
    expect(schedulerWantsChange(s, change({ branch: 'main' }))).toBe(false);
    expect(schedulerWantsChange(s, change({ branch: 'topic' }))).toBe(true);
  });
});

describe('important changes', () => {
  it('without fileIsImportant every change is important, even one without files', () => {
    expect(isImportant(scheduler({}), change())).toBe(true);
    expect(isImportant(scheduler({}), change({ files: ['docs/a.md'] }))).toBe(true);
  });

  it('globs: any file matching any glob makes the change important', () => {
    const s = scheduler({ fileIsImportant: ['**/*.sh', 'src/**', 'Makefile'] });
    expect(isImportant(s, change({ files: ['docs/guide.md', 'src/net.txt'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['build.sh'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['scripts/ci/run.sh'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['Makefile'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['docs/guide.md', 'README.md'] }))).toBe(false);
    expect(isImportant(s, change({ files: ['sub/Makefile'] }))).toBe(false);
  });

  it('globs match the whole path; dot files are included', () => {
    const s = scheduler({ fileIsImportant: ['*.md', '**/*.yml'] });
    expect(isImportant(s, change({ files: ['README.md'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['docs/README.md'] }))).toBe(false);
    expect(isImportant(s, change({ files: ['.github/workflows/ci.yml'] }))).toBe(true);
    expect(isImportant(s, change({ files: ['.hidden.md'] }))).toBe(true);
  });

  it('a negated glob matches every file it does not exclude', () => {
    const s = scheduler({ fileIsImportant: ['!docs/**'] });
    expect(isImportant(s, change({ files: ['docs/a.md', 'docs/b/c.rst'] }))).toBe(false);
    expect(isImportant(s, change({ files: ['docs/a.md', 'setup.py'] }))).toBe(true);
  });

  it('with globs, a change that lists no files is not important', () => {
    expect(isImportant(scheduler({ fileIsImportant: ['**'] }), change({ files: [] }))).toBe(false);
  });

  it('a function gets the change and decides', () => {
    const s = scheduler({ fileIsImportant: (c: Change) => !c.comments.includes('[skip ci]') });
    expect(isImportant(s, change({ comments: 'fix the parser' }))).toBe(true);
    expect(isImportant(s, change({ comments: 'typo [skip ci]' }))).toBe(false);
  });

  it('the same glob list gives the same answers on every call (compiled once, reused)', () => {
    const s = scheduler({ fileIsImportant: ['src/**'] });
    const c = change({ files: ['src/a.c'] });
    for (let i = 0; i < 3; i++) expect(isImportant(s, c)).toBe(true);
    expect(isImportant({ fileIsImportant: ['lib/**'] }, c)).toBe(false);
  });

  it('a glob with an unbalanced bracket does not compile', () => {
    expect(() => compileGlob('src/[ab')).toThrow(/Missing closing/);
    expect(() => compileGlob('src/[ab]*.c')).not.toThrow();
  });
});
