import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ABSENT_TIP, GitPoller, type GitPollerOptions, type PollerState } from '../../src/changes/gitpoller.js';
import { changeInputSchema, type ChangeInput } from '../../src/model/change.js';
import { makeRepo, type TestRepo } from '../harness/git.js';

const WARNER = 'Brian Warner <warner@example.org>';
const ZOOKO = 'Zooko <zooko@example.org>';
const DAIRA = 'Daira Hopwood <daira@example.org>';

/** The caller's side: tips and changes stored together, as the master's store does. */
class MemoryStore implements PollerState {
  tips: Record<string, string> = {};
  changes: ChangeInput[] = [];
  emits: Array<{ changes: ChangeInput[]; tips: Record<string, string> }> = [];
  failing = false;
  /** Emits in progress right now; more than one would mean overlapping polls. */
  inFlight = 0;
  maxInFlight = 0;
  emitDelayMs = 0;

  async load(): Promise<Record<string, string>> {
    return { ...this.tips };
  }

  emit = async (changes: ChangeInput[], tips: Record<string, string>): Promise<void> => {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.emitDelayMs) await new Promise((r) => setTimeout(r, this.emitDelayMs));
      if (this.failing) throw new Error('store is down');
      this.emits.push({ changes, tips });
      this.changes.push(...changes);
      Object.assign(this.tips, tips);
    } finally {
      this.inFlight -= 1;
    }
  };
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines, warnings: () => lines.filter((l) => l.level === 40) };
}

const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bb-mirror-'));
  cleanup.push(dir);
  return dir;
}

function setup(opts: { branches?: string[]; maxCommitsPerPoll?: number } = {}) {
  const repo = makeRepo();
  cleanup.push(repo.dir);
  repo.commit(WARNER, { 'README': 'tahoe\n' }, 'initial import');
  const store = new MemoryStore();
  const log = captureLogger();
  const mirrorDir = join(tempDir(), 'mirrors', 'tahoe');
  const make = (over: Partial<GitPollerOptions> = {}) =>
    new GitPoller({
      name: 'tahoe',
      url: repo.dir,
      branches: opts.branches ?? ['main'],
      project: 'tahoe-lafs',
      mirrorDir,
      state: store,
      emit: store.emit,
      logger: log.logger,
      ...(opts.maxCommitsPerPoll ? { maxCommitsPerPoll: opts.maxCommitsPerPoll } : {}),
      ...over,
    });
  return { repo, store, log, mirrorDir, make };
}

function branchOff(repo: TestRepo, name: string, from = 'main'): void {
  repo.git('checkout', '-q', '-b', name, from);
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('GitPoller', () => {
  it('first poll emits nothing and remembers the tip', async () => {
    const { repo, store, make, mirrorDir } = setup();
    repo.commit(ZOOKO, { 'src/a.py': 'a\n' });
    const poller = make();
    expect(await poller.poll()).toBe(0);
    expect(store.changes).toEqual([]);
    expect(store.emits).toEqual([{ changes: [], tips: { main: repo.head('main') } }]);
    // The mirror is a bare repository holding the branch.
    const bare = makeRepo();
    cleanup.push(bare.dir);
    expect(bare.git('--git-dir', mirrorDir, 'rev-parse', '--is-bare-repository')).toBe('true');
    expect(bare.git('--git-dir', mirrorDir, 'rev-parse', 'refs/heads/main')).toBe(repo.head('main'));
  });

  it('turns two new commits into two changes, oldest first', async () => {
    const { repo, store, make } = setup();
    const poller = make();
    await poller.poll();
    const first = repo.commit(WARNER, { 'src/allmydata/client.py': 'x\n', 'docs/about.rst': 'y\n' }, 'client: add a thing\n\nA longer body\nwith two lines.');
    const second = repo.commit(ZOOKO, { 'src/allmydata/client.py': 'z\n' }, 'fix the thing');
    expect(await poller.poll()).toBe(2);
    expect(store.changes).toHaveLength(2);
    const [a, b] = store.changes;
    expect(a).toMatchObject({
      author: WARNER,
      committer: WARNER,
      comments: 'client: add a thing\n\nA longer body\nwith two lines.',
      revision: first,
      branch: 'main',
      repository: repo.dir,
      project: 'tahoe-lafs',
      source: 'poller:tahoe',
    });
    expect(a!.files).toEqual(['docs/about.rst', 'src/allmydata/client.py']);
    expect(b).toMatchObject({ author: ZOOKO, comments: 'fix the thing', revision: second, files: ['src/allmydata/client.py'] });
    // Author time, as set by the harness (one minute per commit from 2026-01-01).
    expect(a!.when).toBe(Number(repo.git('log', '-1', '--format=%at', first)) * 1000);
    expect(b!.when! - a!.when!).toBe(60_000);
    for (const c of store.changes) expect(changeInputSchema.safeParse(c).success).toBe(true);
    expect(store.tips).toEqual({ main: second });

    // Nothing new: no emit at all.
    const emitsBefore = store.emits.length;
    expect(await poller.poll()).toBe(0);
    expect(store.emits).toHaveLength(emitsBefore);
  });

  it('after a restart emits nothing old and picks up the next commit', async () => {
    const { repo, store, make } = setup();
    await make().poll();
    repo.commit(WARNER, { a: '1' });
    repo.commit(ZOOKO, { b: '2' });
    expect(await make().poll()).toBe(2);

    // A new process: new poller, same persisted tips, same mirror.
    const restarted = make();
    expect(await restarted.poll()).toBe(0);
    const third = repo.commit(DAIRA, { c: '3' }, 'third');
    expect(await restarted.poll()).toBe(1);
    expect(store.changes.map((c) => c.revision)).toHaveLength(3);
    expect(store.changes[2]).toMatchObject({ revision: third, author: DAIRA });

    // A new process whose mirror was lost: it rebuilds the mirror and still repeats nothing.
    const fresh = make({ mirrorDir: join(tempDir(), 'elsewhere') });
    expect(await fresh.poll()).toBe(0);
    const fourth = repo.commit(ZOOKO, { d: '4' });
    expect(await fresh.poll()).toBe(1);
    expect(store.changes.map((c) => c.revision)).toEqual([...store.changes.slice(0, 3).map((c) => c.revision), fourth]);
  });

  it('does not advance when emit fails, and emits the same commits once it works', async () => {
    const { repo, store, make } = setup();
    const poller = make();
    await poller.poll();
    const tip0 = store.tips.main;
    const c1 = repo.commit(WARNER, { a: '1' });
    const c2 = repo.commit(ZOOKO, { b: '2' });
    store.failing = true;
    await expect(poller.poll()).rejects.toThrow('store is down');
    await expect(poller.poll()).rejects.toThrow('store is down');
    expect(store.tips.main).toBe(tip0);
    expect(store.changes).toEqual([]);
    store.failing = false;
    expect(await poller.poll()).toBe(2);
    expect(store.changes.map((c) => c.revision)).toEqual([c1, c2]);
    expect(store.tips.main).toBe(c2);
  });

  it('polls several branches, each change on its own branch', async () => {
    const { repo, store, make } = setup({ branches: ['main', 'release-1.x'] });
    branchOff(repo, 'release-1.x');
    repo.git('checkout', '-q', 'main');
    const poller = make();
    await poller.poll();
    expect(Object.keys(store.tips).sort()).toEqual(['main', 'release-1.x']);

    const onMain = repo.commit(WARNER, { 'main.txt': 'm' });
    repo.git('checkout', '-q', 'release-1.x');
    const onRel1 = repo.commit(ZOOKO, { 'rel.txt': 'r' });
    const onRel2 = repo.commit(ZOOKO, { 'rel.txt': 'r2' });
    expect(await poller.poll()).toBe(3);
    expect(store.changes.map((c) => [c.branch, c.revision])).toEqual([
      ['main', onMain],
      ['release-1.x', onRel1],
      ['release-1.x', onRel2],
    ]);
    expect(store.tips).toEqual({ main: onMain, 'release-1.x': onRel2 });
  });

  it('skips a branch the remote lacks, with a warning, and picks it up when it appears', async () => {
    const { repo, store, make, log } = setup({ branches: ['main', 'feature'] });
    const poller = make();
    expect(await poller.poll()).toBe(0);
    expect(store.tips).toEqual({ main: repo.head('main'), feature: ABSENT_TIP });
    expect(log.warnings().map((l) => [l.msg, l.branch])).toEqual([['branch not found on the remote; skipped until it appears', 'feature']]);
    // Still absent: no second warning, nothing emitted.
    const emitsBefore = store.emits.length;
    expect(await poller.poll()).toBe(0);
    expect(store.emits).toHaveLength(emitsBefore);
    expect(log.warnings()).toHaveLength(1);

    // The branch appears with one commit of its own on top of main: only that commit is new.
    branchOff(repo, 'feature');
    const own = repo.commit(ZOOKO, { 'feature.py': 'f' }, 'start the feature');
    expect(await poller.poll()).toBe(1);
    expect(store.changes).toHaveLength(1);
    expect(store.changes[0]).toMatchObject({ branch: 'feature', revision: own, author: ZOOKO });
    expect(store.tips.feature).toBe(own);
  });

  it('a newly configured branch only has its tip remembered', async () => {
    const { repo, store, make } = setup();
    branchOff(repo, 'old-release');
    repo.commit(ZOOKO, { 'x': '1' });
    repo.git('checkout', '-q', 'main');
    await make().poll();
    // The config gains a branch with history of its own: none of it is emitted.
    expect(await make({ branches: ['main', 'old-release'] }).poll()).toBe(0);
    expect(store.tips['old-release']).toBe(repo.head('old-release'));
    expect(store.changes).toEqual([]);
  });

  it('lists both paths of a rename, and deleted files', async () => {
    const { repo, store, make } = setup();
    repo.commit(WARNER, { 'src/old_name.py': 'print("hello, this file is long enough to be detected as renamed")\n', 'junk.txt': 'junk' });
    const poller = make();
    await poller.poll();
    repo.git('mv', 'src/old_name.py', 'src/new name.py');
    repo.git('rm', '-q', 'junk.txt');
    const sha = repo.commit(ZOOKO, {}, 'rename and delete');
    expect(await poller.poll()).toBe(1);
    expect(store.changes[0]).toMatchObject({ revision: sha, files: ['junk.txt', 'src/old_name.py', 'src/new name.py'] });
  });

  it('keeps messages and paths with odd characters intact', async () => {
    const { repo, store, make } = setup();
    const poller = make();
    await poller.poll();
    const message = 'subject with \x1e marker\n\n\tindented\nA <b@c> line\n%H %x00 literal';
    const path = 'dir/tab\there and\nnewline ü.txt';
    const sha = repo.commit('Ünïcode Pérson <u@example.org>', { [path]: 'x', '-rf': 'dash' }, message);
    expect(await poller.poll()).toBe(1);
    expect(store.changes[0]).toMatchObject({ revision: sha, author: 'Ünïcode Pérson <u@example.org>', comments: message });
    expect([...store.changes[0]!.files!].sort()).toEqual(['-rf', path].sort());
  });

  it('accepts a local path relative to baseDir', async () => {
    const { repo, store, make } = setup();
    const poller = make({ url: 'repo-name-as-configured', baseDir: repo.dir.replace(/[^/]+$/, '') });
    // 'repo-name-as-configured' does not exist under baseDir: the path is used, and git fails.
    await expect(poller.poll()).rejects.toThrow();
    const relative = repo.dir.split('/').pop()!;
    const ok = make({ url: relative, baseDir: repo.dir.replace(/[^/]+$/, '') });
    await ok.poll();
    const sha = repo.commit(WARNER, { a: '1' });
    expect(await ok.poll()).toBe(1);
    expect(store.changes[0]).toMatchObject({ revision: sha, repository: relative });
  });

  it('includes commits brought in by a merge, and the merge with its first-parent files', async () => {
    const { repo, store, make } = setup();
    const poller = make();
    await poller.poll();
    branchOff(repo, 'topic');
    const side = repo.commit(ZOOKO, { 'topic.py': 't' }, 'topic work');
    repo.git('checkout', '-q', 'main');
    const mainline = repo.commit(WARNER, { 'main.py': 'm' }, 'mainline work');
    repo.git('-c', 'user.name=Brian Warner', '-c', 'user.email=warner@example.org', 'merge', '-q', '--no-ff', '--no-edit', 'topic');
    const merge = repo.head('main');
    expect(await poller.poll()).toBe(3);
    const byRev = new Map(store.changes.map((c) => [c.revision, c]));
    expect(new Set(byRev.keys())).toEqual(new Set([side, mainline, merge]));
    expect(store.changes[2]!.revision).toBe(merge);
    expect(byRev.get(merge)!.files).toEqual(['topic.py']);
    expect(byRev.get(side)!.files).toEqual(['topic.py']);
  });

  it('after a force push emits only the commits not reachable from the old tip, with a warning', async () => {
    const { repo, store, make, log } = setup();
    const base = repo.head('main');
    const poller = make();
    repo.commit(WARNER, { a: '1' }, 'will be rewritten');
    await poller.poll();
    repo.git('reset', '-q', '--hard', base);
    const replacement = repo.commit(ZOOKO, { a: '2' }, 'the rewrite');
    expect(await poller.poll()).toBe(1);
    expect(store.changes.map((c) => c.revision)).toEqual([replacement]);
    expect(log.warnings().map((l) => l.msg)).toContain('branch was rewritten (force push); emitting commits not reachable from the old tip');

    // Rewound to an older commit: nothing new, but the tip moves.
    repo.git('reset', '-q', '--hard', base);
    expect(await poller.poll()).toBe(0);
    expect(store.tips.main).toBe(base);
  });

  it('emits only the newest commits beyond the per-poll cap, with a warning', async () => {
    const { repo, store, make, log } = setup({ maxCommitsPerPoll: 3 });
    const poller = make();
    await poller.poll();
    const shas = [1, 2, 3, 4, 5].map((n) => repo.commit(n % 2 ? WARNER : ZOOKO, { [`f${n}`]: String(n) }));
    expect(await poller.poll()).toBe(3);
    expect(store.changes.map((c) => c.revision)).toEqual(shas.slice(2));
    expect(store.tips.main).toBe(shas[4]);
    expect(log.warnings().map((l) => l.msg)).toContain('more new commits than one poll takes; emitting only the newest');
  });

  it('treats an unknown stored tip as a resync and emits only the current tip', async () => {
    const { repo, store, make, log } = setup();
    store.tips = { main: 'f'.repeat(40) };
    const tip = repo.commit(ZOOKO, { z: 'z' });
    expect(await make().poll()).toBe(1);
    expect(store.changes.map((c) => c.revision)).toEqual([tip]);
    expect(log.warnings().map((l) => l.msg)).toContain('last emitted tip is unknown to the mirror; emitting only the new tip');
  });

  it('rejects unsafe branch names and urls at construction', () => {
    const { make } = setup();
    expect(() => make({ branches: ['--upload-pack=x'] })).toThrow(/not a valid branch name/);
    expect(() => make({ branches: ['main', 'a..b'] })).toThrow(/not a valid branch name/);
    expect(() => make({ url: '--upload-pack=touch /tmp/pwned' })).toThrow(/starts with "-"/);
    expect(() => make({ branches: [] })).toThrow(/no branches/);
  });

  it('polls on an interval without overlap, and keeps going after errors', async () => {
    const { repo, store, make, log } = setup();
    const poller = make();
    store.emitDelayMs = 100;
    poller.start(10);
    await until(() => store.tips.main !== undefined);
    // A failing store: the loop logs and carries on.
    store.failing = true;
    const c1 = repo.commit(WARNER, { a: '1' });
    await until(() => log.lines.some((l) => l.level === 50 && l.msg === 'git poll failed'));
    const failure = log.lines.find((l) => l.msg === 'git poll failed')!;
    expect(failure.poller).toBe('tahoe');
    store.failing = false;
    await until(() => store.changes.length === 1);
    // A manual poll meanwhile queues behind the loop's poll rather than running beside it.
    const c2 = repo.commit(ZOOKO, { b: '2' });
    await poller.pollNow();
    await until(() => store.changes.length === 2);
    await poller.stop();
    expect(store.changes.map((c) => c.revision)).toEqual([c1, c2]);
    expect(store.maxInFlight).toBe(1);

    // Stopped: no poll scheduled, none running, so no more changes.
    expect(poller.polling).toBe(false);
    expect(store.changes).toHaveLength(2);
  });
});
