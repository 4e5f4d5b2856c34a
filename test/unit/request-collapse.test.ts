import { describe, expect, it } from 'vitest';
import { collapsePlan, collapsible, compatible, followsBranch, type PendingEntry } from '../../src/process/collapse.js';
import type { BuildSet, SourceStamp } from '../../src/model/build.js';

const ss = (o: Partial<SourceStamp> = {}): SourceStamp => ({ repository: 'r', branch: 'main', project: 'p', changeIds: [1], revision: 'aaaa', ...o });
const bs = (id: number, o: Partial<BuildSet> = {}): BuildSet => ({
  id,
  reason: '',
  scheduler: 'trunk',
  sourcestamp: ss(),
  builders: ['linux'],
  properties: {},
  submittedAt: 0,
  requestIds: [id],
  ...o,
});
const entry = (id: number, o: Partial<BuildSet> = {}): PendingEntry => ({
  request: { id, buildsetId: id, builder: 'linux', priority: 0, submittedAt: 0, state: 'pending', buildIds: [] },
  buildset: bs(id, o),
});

describe('which requests collapse', () => {
  it('a stamp follows its branch unless it has a patch or a revision without changes', () => {
    expect(followsBranch(ss())).toBe(true);
    expect(followsBranch(ss({ revision: undefined, changeIds: [] }))).toBe(true);
    expect(followsBranch(ss({ changeIds: [] }))).toBe(false);
    expect(followsBranch(ss({ patch: { body: 'x', level: 1 } }))).toBe(false);
    expect(collapsible(bs(1, { collapse: false }))).toBe(false);
  });

  it('needs the same repository, branch, project and properties (owner aside)', () => {
    expect(compatible(bs(1, { properties: { a: 1, owner: 'x' } }), bs(2, { properties: { owner: 'y', a: 1 } }))).toBe(true);
    expect(compatible(bs(1, { properties: { a: 1 } }), bs(2, { properties: { a: 2 } }))).toBe(false);
    expect(compatible(bs(1), bs(2, { sourcestamp: ss({ branch: 'dev' }) }))).toBe(false);
    expect(compatible(bs(1), bs(2, { sourcestamp: ss({ repository: 'other' }) }))).toBe(false);
    expect(compatible(bs(1), bs(2, { sourcestamp: ss({ project: 'q' }) }))).toBe(false);
  });

  it('the newest compatible request runs, whichever is at the head', () => {
    const head = entry(3);
    const plan = collapsePlan(head, [entry(1, { sourcestamp: ss({ branch: 'dev' }) }), head, entry(5), entry(4, { collapse: false }), entry(2)]);
    expect(plan?.run.request.id).toBe(5);
    expect(plan?.skip.map((e) => e.request.id)).toEqual([2, 3]);
    expect(collapsePlan(entry(7, { collapse: false }), [entry(8)])).toBeNull();
    expect(collapsePlan(entry(7), [entry(7)])).toBeNull();
  });
});
