import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { Pruner, PruneStopped } from '../../src/data/prune.js';
import { missingBuild, wasPruned } from '../../src/data/retention.js';
import { retentionSchema, type RetentionPolicy } from '../../src/config/retention.js';
import { printLogs } from '../../src/cli/commands/logs.js';
import { HistoryWriter } from '../harness/history.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Keys } from '../../src/data/keys.js';
import { Queue, Worker } from 'bullmq';
import { cleanJobHistory } from '../../src/queue/job-history.js';
import { StoredProblems } from '../../src/problems/actions.js';
import { ROOT, waitFor } from '../harness/bb.js';
const keysOf = (store: { prefix: string }) => new Keys(store.prefix);

const run = promisify(execFile);

const DAY = 86_400_000;

/** A store on the shared test Redis with a clock the test moves. */
async function setup(label: string) {
  const url = (await testRedis()).url;
  const prefix = freshPrefix(label);
  const redis = new Redis(url);
  const clock = { t: Date.UTC(2025, 0, 1) };
  const store = new Store(redis, prefix, () => clock.t);
  opened.push({ url, prefix, redis });
  return { url, prefix, redis, clock, store, history: new HistoryWriter(store, { chunks: 2, tests: 2 }) };
}

const opened: Array<{ url: string; prefix: string; redis: Redis }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    o.redis.disconnect();
    await deletePrefix(o.url, o.prefix);
  }
});

function policy(raw: unknown): RetentionPolicy {
  const p = retentionSchema.parse(raw);
  if (!p) throw new Error('retention off');
  return p;
}

async function allKeys(redis: Redis, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) out.set(k, (await redis.dumpBuffer(k))?.toString('hex') ?? '');
  } while (cursor !== '0');
  return out;
}

describe('retention', () => {
  it('a dry run lists what would go and deletes nothing; the real run removes exactly that, reads say pruned, numbers are not reused', async () => {
    const { redis, prefix, clock, store, history } = await setup('ret-dry');
    for (let i = 0; i < 20; i++) {
      await history.build('linux');
      clock.t += DAY;
    }
    await history.handledUpTo(20, 20);
    clock.t += 30 * DAY;
    const rules = policy({ builds: { maxAge: '20d', keepLast: 8 }, logs: { maxAge: '5d', keepLast: 5 }, changes: { maxAge: '20d', keepLast: 4 }, buildsets: { maxAge: '20d', keepLast: 5 }, slice: 3 });
    const before = await allKeys(redis, prefix);
    const dry = await new Pruner(store, rules, () => clock.t).run({ dryRun: true });
    expect(await allKeys(redis, prefix)).toEqual(before);
    expect(dry.pruned).toEqual({ builds: 12, logs: 3, buildsets: 15, changes: 16, problems: 0, hassle: 0, packages: 0, jobs: 0 });
    expect(dry.ranges.builds).toEqual({ linux: [1, 12] });
    expect(dry.ranges.logs).toEqual({ linux: [13, 15] });
    expect(dry.requests).toBe(15);

    const done = await new Pruner(store, rules, () => clock.t).run();
    expect(done.pruned).toEqual(dry.pruned);
    expect(done.keys).toBe(dry.keys);
    expect(await redis.dbsize()).toBeGreaterThan(0);
    expect((await store.lastBuilds('linux', 30)).map((b) => b.number)).toEqual([20, 19, 18, 17, 16, 15, 14, 13]);
    expect(await store.buildByNumber('linux', 3)).toBeNull();
    expect(await missingBuild(store, 'linux', 3)).toBe('build linux #3 was pruned (retention.builds)');
    expect(await missingBuild(store, 'linux', 21)).toBe('no build linux #21 (the last is #20)');
    expect(await wasPruned(store, 'changes', 16)).toBe(true);
    expect(await wasPruned(store, 'changes', 17)).toBe(false);
    expect(await store.getChange(16)).toBeNull();
    expect(await store.getChange(17)).not.toBeNull();
    expect(await store.getBuildSet(15)).toBeNull();
    expect(await store.getRequest(15)).toBeNull();
    expect(await store.getBuildSet(16)).not.toBeNull();
    // Build 13's logs went, its record stayed; 16 to 20 keep theirs.
    const b13 = (await store.buildByNumber('linux', 13))!;
    expect(b13.logsPrunedAt).toBe(clock.t);
    expect((await store.readLog(b13.id, 0)).chunks).toEqual([]);
    expect((await store.getTests(b13.id))).toEqual([]);
    expect((await store.readLog(16, 0)).chunks.length).toBe(2);
    let out = '';
    await printLogs(store, 'linux', 13, undefined, false, (s) => (out += s));
    expect(out).toBe(`logs of linux #13 were pruned on ${new Date(clock.t).toISOString().slice(0, 10)} (retention.logs)\n`);
    await expect(printLogs(store, 'linux', 2, undefined, false, () => undefined)).rejects.toThrow('build linux #2 was pruned (retention.builds)');
    // A second pass finds nothing more; counters go on.
    const again = await new Pruner(store, rules, () => clock.t).run();
    expect(again.pruned).toEqual({ builds: 0, logs: 0, buildsets: 0, changes: 0, problems: 0, hassle: 0, packages: 0, jobs: 0 });
    const next = await history.build('linux');
    expect(next.number).toBe(21);
    expect(next.id).toBe(21);
    expect((await store.getChange(21))?.id).toBe(21);
  });

  it('never prunes what a running build, an open Problem, a package record, a pending request or an unhandled change needs', async () => {
    const { redis, clock, store, history } = await setup('ret-keep');
    const running = await history.build('linux', false); // #1, never finishes
    const builds = [];
    for (let i = 0; i < 8; i++) builds.push(await history.build('linux')); // #2..#9
    const pending = await history.pending('windows'); // buildset 10, change 10
    for (let i = 0; i < 3; i++) builds.push(await history.build('linux')); // #10..#12, changes 11..13
    await history.handledUpTo(12, 11); // change 13 unclassified; build 12 not yet seen by the Problem detector
    const [b2, b3, b4, b5] = builds as [typeof running, typeof running, typeof running, typeof running];
    await store.problems.create({
      key: 'test|tap|case 0@x', state: 'confirmed', subjects: [{ kind: 'test', suite: 'tap', name: 'case 0' }],
      builders: [{ builder: 'linux', firstBadBuildId: b3.id, firstBadNumber: b3.number, lastGoodBuildId: b2.id }],
      firstBadRevision: 'x', openedAt: clock.t, guilty: [], responsible: [], interested: [], notMe: [], acks: [], watchers: [],
    });
    // A resolved Problem protects nothing.
    await store.problems.create({
      key: 'test|tap|case 1@y', state: 'resolved', subjects: [{ kind: 'test', suite: 'tap', name: 'case 1' }],
      builders: [{ builder: 'linux', firstBadBuildId: builds[5]!.id, firstBadNumber: builds[5]!.number }],
      firstBadRevision: 'y', openedAt: clock.t, guilty: [], responsible: [], interested: [], notMe: [], acks: [], watchers: [],
    });
    await redis.hset(keysOf(store).packagesMade, 'rev4', JSON.stringify({ revision: 'rev4', vouchers: [`linux#${b4.number}`], at: clock.t, buildsetId: b5.buildsetId }));
    clock.t += 400 * DAY;
    const rules = policy({ builds: { maxAge: '1d', keepLast: 0 }, logs: { maxAge: '1d', keepLast: 0 }, changes: { maxAge: '1d', keepLast: 0 }, buildsets: { maxAge: '1d', keepLast: 0 }, slice: 2 });
    const report = await new Pruner(store, rules, () => clock.t).run();
    const left = (await store.lastBuilds('linux', 50)).map((b) => b.number).sort((a, b) => a - b);
    // #1 running, #2 last good and #3 first bad of the open Problem, #4 vouches for a package, #5 is
    // the package BuildSet's build; #8 to #12 are the newest five, kept whatever keepLast says.
    expect(left).toEqual([running.number, b2.number, b3.number, b4.number, b5.number, 8, 9, 10, 11, 12]);
    expect((await store.readLog(b3.id, 0)).chunks.length).toBe(2);
    expect((await store.readLog(running.id, 0)).chunks.length).toBe(2);
    expect((await store.getBuild(b4.id))?.logsPrunedAt).toBe(clock.t);
    expect(await store.getBuildSet(b5.buildsetId)).not.toBeNull();
    expect(await store.getBuildSet(running.buildsetId)).not.toBeNull();
    expect(await store.getBuildSet(b3.buildsetId)).not.toBeNull();
    expect((await store.getRequest((await store.getBuildSet(pending.buildsetId))!.requestIds[0]!))?.state).toBe('pending');
    expect(await store.getChange(pending.changeId)).not.toBeNull();
    expect(await store.getChange(13)).not.toBeNull();
    expect(await store.getChange(running.sourcestamp.changeIds[0]!)).not.toBeNull();
    expect(await store.getChange(b3.sourcestamp.changeIds[0]!)).not.toBeNull();
    expect(await store.getChange(builds[6]!.sourcestamp.changeIds[0]!)).toBeNull();
    expect(report.kept.builds).toBeGreaterThanOrEqual(5);
    // The running build's logs were deferred; once it finishes (and is old) they go.
    expect(await redis.zrange(keysOf(store).retentionDeferredLogs, 0, -1)).toContain(String(running.id));
    await store.finishBuild(running.id, running.token, 'SUCCESS');
    clock.t += 2 * DAY;
    await new Pruner(store, policy({ builds: false, logs: { maxAge: '1d', keepLast: 0 }, changes: false, buildsets: false }), () => clock.t).run();
    expect((await store.getBuild(running.id))?.logsPrunedAt).toBe(clock.t);
    expect(await redis.zrange(keysOf(store).retentionDeferredLogs, 0, -1)).not.toContain(String(running.id));
  });

  it('prunes a long history in small slices to the end; keepLast (at least 5 per builder) holds however old', async () => {
    const { clock, store, history } = await setup('ret-slices');
    for (let i = 0; i < 30; i++) await history.build(i % 2 ? 'linux' : 'windows');
    await history.handledUpTo(30, 30);
    clock.t += 100 * DAY;
    const report = await new Pruner(store, policy({ builds: { maxAge: '1d', keepLast: 2 }, logs: false, changes: { maxAge: '1d', keepLast: 2 }, buildsets: { maxAge: '1d', keepLast: 2 }, slice: 1 }), () => clock.t).run({ pauseMs: 1 });
    expect(report.pruned).toEqual({ builds: 20, logs: 0, buildsets: 28, changes: 28, problems: 0, hassle: 0, packages: 0, jobs: 0 });
    expect((await store.lastBuilds('linux', 50)).length).toBe(5);
    expect((await store.lastBuilds('windows', 50)).length).toBe(5);
  });

  it('a pass stopped between slices (the master stopping) leaves a consistent store; the next pass finishes', async () => {
    const { redis, clock, store, history } = await setup('ret-stop');
    for (let i = 0; i < 12; i++) await history.build('linux');
    await history.handledUpTo(12, 12);
    clock.t += 100 * DAY;
    const rules = policy({ builds: { maxAge: '1d', keepLast: 5 }, logs: false, changes: false, buildsets: false, slice: 2 });
    let slices = 0;
    const err = await new Pruner(store, rules, () => clock.t).run({ stopped: () => ++slices >= 2 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PruneStopped);
    const left = (await store.lastBuilds('linux', 50)).map((b) => b.number).sort((a, b) => a - b);
    expect(left).toEqual([5, 6, 7, 8, 9, 10, 11, 12]); // two slices of two went
    expect(await redis.get(keysOf(store).builderPruned('linux'))).toBe('4');
    expect(await redis.exists(keysOf(store).log(3, 0), keysOf(store).tests(3), keysOf(store).build(3))).toBe(0);
    const rest = await new Pruner(store, rules, () => clock.t).run();
    expect(rest.pruned.builds).toBe(3);
    expect((await store.lastBuilds('linux', 50)).length).toBe(5);
  });

  it('bb prune --dry-run and bb prune use the policy the master published', async () => {
    const { url, prefix, clock, store, history } = await setup('ret-cli');
    for (let i = 0; i < 10; i++) await history.build('linux');
    await history.handledUpTo(10, 10);
    await store.putConfigSummary({ title: 'bb', builders: [{ name: 'linux', executors: ['a'], tier: 'supported' }], schedulers: [], executors: ['a'], retention: policy({ builds: { maxAge: '1d', keepLast: 7 }, logs: { maxAge: '1d', keepLast: 5 } }) });
    const env = { REDIS_URL: url, BB_PREFIX: prefix };
    const dry = await run(process.execPath, ['bin/bb.js', 'prune', '--dry-run'], { cwd: ROOT, env });
    expect(dry.stdout).toContain('dry run: nothing was deleted');
    expect(dry.stdout).toContain('builds: 3 would go (linux #1-3)');
    expect(dry.stdout).toContain('logs of builds: 2 would go (linux #4-5)');
    expect(dry.stdout).toContain('redis keys: 18 would be deleted'); // 3 builds with 2 logs and tests each, 2 logs and tests of #4 and #5
    expect((await store.lastBuilds('linux', 20)).length).toBe(10);
    const real = await run(process.execPath, ['bin/bb.js', 'prune'], { cwd: ROOT, env });
    expect(real.stdout).toContain('builds: 3 pruned (linux #1-3)');
    expect((await store.lastBuilds('linux', 20)).length).toBe(7);
    const logs = await run(process.execPath, ['bin/bb.js', 'logs', 'linux', '1'], { cwd: ROOT, env }).catch((e: { stderr: string }) => e);
    expect(logs.stderr).toContain('build linux #1 was pruned (retention.builds)');
  });

  it('resolved Problems go with their reminder logs once old; open ones and the newest stay; reminder logs can go on their own', async () => {
    const { redis, prefix, clock, store } = await setup('ret-problems');
    const made: number[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await store.problems.create({ ...problemFields(i, clock.t), key: `app|app|test|s|t${i}@abc${i}`, repository: 'app', project: 'app' });
      made.push(p.id);
      await store.hassle.put({ problemId: p.id, base: clock.t, next: 1, held: [], startTold: true, ended: i !== 3 });
      await store.hassle.record(p.id, { at: clock.t, step: 'L1', to: 'warner', via: 'email', outcome: 'sent' }, `L1|warner`, 'warner');
      // Problems 1-4 resolved on day 0 (4's ending still to tell); 5 stays open; 6 resolved 50 days on.
      if (i !== 4) await store.problems.put({ ...(await store.problems.get(p.id))!, state: 'resolved', resolvedAt: clock.t + (i === 5 ? 50 * DAY : 0) });
    }
    clock.t += 100 * DAY;
    const rules = policy({ builds: false, logs: false, changes: false, buildsets: false, packages: false, jobs: false, problems: { maxAge: '60d', keepLast: 2 }, hassle: false, slice: 2 });
    const before = await allKeys(redis, prefix);
    const dry = await new Pruner(store, rules, () => clock.t).run({ dryRun: true });
    expect(await allKeys(redis, prefix)).toEqual(before);
    // 1, 2 and 3 go (4 has an ending still to tell: kept); 5 is open, 6 resolved 50 days ago (and among the newest 2).
    expect(dry.pruned).toMatchObject({ problems: 3, hassle: 0 });
    expect(dry.kept.problems).toBe(1);
    expect(dry.ranges.problems).toEqual({ '*': [1, 3] });
    const done = await new Pruner(store, rules, () => clock.t).run();
    expect(done.pruned).toEqual(dry.pruned);
    expect(await store.problems.get(made[0]!)).toBeNull();
    expect(await store.problems.byKey('app|app|test|s|t0@abc0')).toBeNull();
    expect(await store.hassle.log(made[0]!)).toEqual([]);
    expect(await store.hassle.get(made[1]!)).toBeNull();
    expect(await store.problems.get(made[3]!)).not.toBeNull(); // its ending is still to tell
    expect((await store.problems.open()).map((p) => p.id)).toEqual([made[4]]);
    expect(await store.problems.get(made[5]!)).not.toBeNull();
    expect(await wasPruned(store, 'problems', made[0]!)).toBe(true);
    expect(await wasPruned(store, 'problems', made[4]!)).toBe(false);
    expect((await redis.keys(`${prefix}:db:problem-key:*`)).length).toBe(3);

    // Reminder logs alone: 6's (resolved 50 days ago, past hassle's 30d) go, the Problem stays; 4's ending is still to tell.
    const logsOnly = policy({ builds: false, logs: false, changes: false, buildsets: false, packages: false, jobs: false, problems: false, hassle: { maxAge: '30d', keepLast: 0 } });
    const r = await new Pruner(store, logsOnly, () => clock.t).run();
    expect(r.pruned).toMatchObject({ problems: 0, hassle: 1 });
    expect(r.ranges.hassle).toEqual({ '*': [made[5]!, made[5]!] });
    expect(await store.hassle.log(made[5]!)).toEqual([]);
    expect(await store.problems.get(made[5]!)).toMatchObject({ state: 'resolved' });
    expect(await store.hassle.log(made[3]!)).toHaveLength(1);
    expect(await store.hassle.log(made[4]!)).toHaveLength(1);
    expect((await new Pruner(store, logsOnly, () => clock.t).run()).pruned.hassle).toBe(0);
  });

  it('package records: the oldest beyond keepLast go once old, never the newest; their BuildSets are then prunable', async () => {
    const { clock, store } = await setup('ret-packages');
    for (let i = 0; i < 5; i++) {
      const record = { revision: `abc${i}`, vouchers: [`linux#${i + 1}`], at: clock.t, buildsetId: 100 + i };
      expect(await store.tiers.claimPackage(record)).toBe(true);
      await store.tiers.startedPackage(record);
      clock.t += DAY;
    }
    clock.t += 400 * DAY;
    const rules = policy({ builds: false, logs: false, changes: false, buildsets: false, problems: false, hassle: false, jobs: false, packages: { maxAge: '365d', keepLast: 2 }, slice: 2 });
    const dry = await new Pruner(store, rules, () => clock.t).run({ dryRun: true });
    expect(dry.pruned.packages).toBe(3);
    expect((await store.tiers.recentPackages(10)).map((p) => p.revision)).toEqual(['abc4', 'abc3', 'abc2', 'abc1', 'abc0']);
    await new Pruner(store, rules, () => clock.t).run();
    expect((await store.tiers.recentPackages(10)).map((p) => p.revision)).toEqual(['abc4', 'abc3']);
    expect(await store.tiers.hasPackage('abc0')).toBe(false);
    // keepLast 0 still keeps the newest package.
    await new Pruner(store, { ...rules, packages: { maxAge: DAY, keepLast: 0 } }, () => clock.t).run();
    expect((await store.tiers.recentPackages(10)).map((p) => p.revision)).toEqual(['abc4']);
  });

  it("BullMQ's finished jobs beyond keepLast go once older than maxAge, per queue; a dry run only counts them", async () => {
    const { url, prefix, redis, clock, store } = await setup('ret-jobs');
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue('control', { connection, prefix });
    const worker = new Worker('control', async (job) => {
      if (job.data.fail) throw new Error('refused');
      return 'ok';
    }, { connection, prefix });
    try {
      for (let i = 0; i < 6; i++) await queue.add('x', { fail: i >= 4 }, { removeOnComplete: false, removeOnFail: false });
      const counts = await waitFor('6 jobs finished', async () => {
        const c = await queue.getJobCounts('completed', 'failed');
        return c.completed === 4 && c.failed === 2 ? c : null;
      });
      expect(counts).toEqual({ completed: 4, failed: 2 });
      const last = Math.max(...(await queue.getJobs(['completed', 'failed'])).map((j) => j.finishedOn ?? 0));
      await waitFor('a millisecond past the last finish', async () => Date.now() > last + 5 || null);
      const rules = policy({ builds: false, logs: false, changes: false, buildsets: false, problems: false, hassle: false, packages: false });
      rules.jobs = { completed: { maxAge: 1, keepLast: 1 }, failed: { maxAge: 1, keepLast: 1 } };
      const cleaner = (dry: boolean) => cleanJobHistory(redis, prefix, { completed: { maxAge: 1, keepLast: 1 }, failed: { maxAge: 1, keepLast: 1 } }, dry);
      const dry = await new Pruner(store, rules, () => clock.t).run({ dryRun: true, jobs: cleaner });
      expect(dry.pruned.jobs).toBe(4);
      expect(dry.jobs).toEqual({ 'control completed': 3, 'control failed': 1 });
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 4, failed: 2 });
      const done = await new Pruner(store, rules, () => clock.t).run({ jobs: cleaner });
      expect(done.jobs).toEqual(dry.jobs);
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 1 });
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }
  });

  it('bb prune --dry-run shows resolved Problems, reminder logs and package records that would go', async () => {
    const { url, prefix, clock, store } = await setup('ret-cli-more');
    const p = await store.problems.create(problemFields(0, clock.t));
    await store.problems.put({ ...p, state: 'resolved', resolvedAt: clock.t });
    await store.hassle.record(p.id, { at: clock.t, step: 'L1', to: 'warner', via: 'email', outcome: 'sent' });
    for (let i = 0; i < 3; i++) {
      const record = { revision: `def${i}`, vouchers: [], at: clock.t, buildsetId: 200 + i };
      await store.tiers.claimPackage(record);
      await store.tiers.startedPackage(record);
    }
    clock.t += 400 * DAY;
    const published = policy({ problems: { maxAge: '30d', keepLast: 0 }, packages: { maxAge: '30d', keepLast: 1 }, hassle: { maxAge: '30d', keepLast: 0 } });
    await store.putConfigSummary({ title: 'bb', builders: [], schedulers: [], executors: [], retention: published });
    // The CLI's clock is the real one: 400 days past 2025-01-01 has long gone by.
    const env = { REDIS_URL: url, BB_PREFIX: prefix };
    const dry = await run(process.execPath, ['bin/bb.js', 'prune', '--dry-run'], { cwd: ROOT, env });
    expect(dry.stdout).toContain('resolved problems: 1 would go (ids 1)');
    expect(dry.stdout).toContain('package records: 2 would go');
    expect(dry.stdout).toMatch(/finished jobs: 0 would go/);
    expect(await store.problems.get(p.id)).not.toBeNull();
    const real = await run(process.execPath, ['bin/bb.js', 'prune'], { cwd: ROOT, env });
    expect(real.stdout).toContain('resolved problems: 1 pruned (ids 1)');
    expect(await store.problems.get(p.id)).toBeNull();
    expect((await store.tiers.recentPackages(10)).map((r) => r.revision)).toEqual(['def2']);
    const gone = await run(process.execPath, ['bin/bb.js', 'problem', '1'], { cwd: ROOT, env }).catch((e: { stderr: string }) => e);
    expect('stderr' in gone ? gone.stderr : '').toContain('problem 1 was resolved long ago and pruned (retention.problems)');
    const never = await run(process.execPath, ['bin/bb.js', 'problem', '9'], { cwd: ROOT, env }).catch((e: { stderr: string }) => e);
    expect('stderr' in never ? never.stderr : '').toContain('there is no problem 9');
    // Chat's problem commands (problem, ack, snooze, …) say the same (the config is not read for it).
    const chat = new StoredProblems(store, undefined as never);
    expect(await chat.missing(1)).toBe('Problem 1 was resolved long ago and pruned (retention.problems).');
    expect(await chat.missing(9)).toBe('There is no problem 9.');
  });
});

/** A Problem's fields (a test failing on linux), opened at `at`. */
function problemFields(i: number, at: number) {
  return {
    key: `test|s|t${i}@abc${i}`,
    state: 'confirmed' as const,
    subjects: [{ kind: 'test' as const, suite: 's', name: `t${i}` }],
    builders: [{ builder: 'linux', firstBadBuildId: 1000 + i, firstBadNumber: 1000 + i }],
    firstBadRevision: `abc${i}`,
    openedAt: at,
    guilty: [],
    responsible: [],
    interested: [],
    notMe: [],
    acks: [],
    watchers: [],
  };
}
