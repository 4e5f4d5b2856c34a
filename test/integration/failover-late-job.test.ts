import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Master } from '../../src/master.js';
import { validateConfig } from '../../src/config/validate.js';
import { Keys } from '../../src/data/keys.js';
import { changeInputSchema } from '../../src/model/change.js';
import { recordingLogger } from '../harness/master-with.js';
import { freshPrefix, testRedis } from '../harness/redis.js';
import { probe, spawnExecutor, tempDir, waitFor, type Proc } from '../harness/bb.js';

/**
 * A leader claims a build for an executor and loses the lead before it puts the job on the
 * executor's queue (paused past its lease). The new leader ends the build RETRY at once and builds
 * its request again. Then the old leader wakes up and puts its job on the queue after all: BullMQ's
 * add is no fenced write, so nothing in Redis refuses it. The executor, told by the new leader
 * that the build ended before it started, drops the late job unrun and reports nothing: the build
 * runs once, and its record is the one RETRY of the takeover and the one SUCCESS.
 */

const SECRET = 'a-secret-of-enough-length';
const masters: Master[] = [];
const conns: Redis[] = [];
const procs: Proc[] = [];
afterEach(async () => {
  for (const x of procs.splice(0)) await x.kill('SIGKILL');
  for (const m of masters.splice(0)) await m.stop().catch(() => undefined);
  for (const c of conns.splice(0)) c.disconnect();
});

function master(url: string, prefix: string, runs: string) {
  const { config, secrets } = validateConfig(
    {
      redis: { prefix },
      executors: [{ name: 'a', secret: SECRET }],
      builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: `echo "$BB_BUILD_NUMBER" >> ${runs}` }] }],
      schedulers: [{ type: 'any-branch', name: 'all', treeStableTimer: 0, builders: ['linux'] }],
    },
    { file: 'master.ts', baseDir: '/tmp', env: {} },
  );
  const rec = recordingLogger();
  // A renewal far off: the paused leader does not learn of its loss before it adds the job.
  const m = new Master({ config, secrets, redisUrl: url, logger: rec.logger, baseDir: tempDir('latejob'), lease: { ttlMs: 600_000, renewMs: 600_000, pollMs: 50 } });
  masters.push(m);
  return { m, lines: rec.lines, config };
}

describe('a job put on the queue late by a leader that lost the lead', () => {
  it('is dropped unrun by the executor: the build runs once, and no RETRY but the takeover\'s is recorded', async () => {
    const url = (await testRedis()).url;
    const prefix = freshPrefix('latejob');
    const keys = new Keys(prefix);
    const dir = tempDir('latejob-runs');
    const runs = join(dir, 'runs');
    const a = master(url, prefix, runs);
    await a.m.start();
    const b = master(url, prefix, runs);
    await b.m.start();
    expect([a.m.role, b.m.role]).toEqual(['leader', 'standby']);
    const p = probe(url, prefix);
    const raw = new Redis(url);
    conns.push(raw);
    try {
      await a.m.store.addChange(changeInputSchema.parse({ author: 'Brian Warner <warner@example.org>', files: ['a.c'], branch: 'one', revision: 'aaaa0001' }));
      await waitFor('the buildset', async () => (await p.store.lastBuildSetId()) === 1);
      // A claims the request for executor a (no executor is up yet, so A's distributor did not) and
      // pauses before putting the job on the queue.
      const cfg = a.config.builders[0]!;
      const orphan = (await a.m.store.claimRequest(1, 'a', cfg.steps, {}))!;
      expect(orphan.state).toBe('dispatched');

      // A's lease lapses; B takes the lead, and the executor comes up.
      await raw.del(keys.leader, keys.master);
      await b.m.leading();
      const ex = spawnExecutor({ name: 'a', secret: SECRET, redisUrl: url, prefix, basedir: join(dir, 'exec-a'), slots: 1 }, dir);
      procs.push(ex);
      // B ends the orphan RETRY at once, tells the executor to drop its job should it come, and builds the request again.
      const retried = await waitFor('the orphan retried', async () => {
        const bl = await p.store.getBuild(orphan.id);
        return bl?.state === 'finished' ? bl : null;
      }, 60_000);
      expect(retried).toMatchObject({ result: 'RETRY', text: 'handed to no executor: the master that dispatched it stopped leading first' });
      const rebuilt = await waitFor('the request built again', async () => (await p.store.lastBuilds('linux', 10)).find((x) => x.id !== orphan.id && x.state === 'finished'), 60_000);
      expect(rebuilt.result).toBe('SUCCESS');
      await waitFor('the executor to take the stop', () => ex.log().includes('stop for a build not running here'), 30_000);

      // A wakes up and does what it was about to: puts the job for its claim on the executor's queue.
      const { session, jobList } = (await p.store.getExecutor('a'))!;
      expect(jobList).toBe(true);
      const now = Date.now();
      await a.m.queues.dispatch(
        {
          buildId: orphan.id,
          token: orphan.token,
          executor: 'a',
          session,
          builder: 'linux',
          number: orphan.number,
          workdir: cfg.name,
          sourcestamp: { repository: orphan.sourcestamp.repository, project: orphan.sourcestamp.project, ...(orphan.sourcestamp.branch ? { branch: orphan.sourcestamp.branch } : {}), ...(orphan.sourcestamp.revision ? { revision: orphan.sourcestamp.revision } : {}) },
          steps: cfg.steps,
          properties: orphan.properties,
          issuedAt: now,
          expiresAt: now + 600_000,
        },
        SECRET,
        jobList,
      );
      await waitFor('the executor to drop the late job', () => ex.log().includes('job for a build the master already ended: not run'), 30_000);
      await waitFor('the late job gone from the queue', async () => !(await a.m.queues.buildJobQueued('a', orphan.id)), 30_000);
      await b.m.settled();

      // The step ran once, for the rebuilt build; the orphan is the takeover's RETRY, unchanged.
      expect(existsSync(runs) ? readFileSync(runs, 'utf8').trim().split('\n') : []).toEqual([String(rebuilt.number)]);
      const all = await p.store.lastBuilds('linux', 10);
      expect(all.map((x) => [x.id, x.result]).sort()).toEqual([[orphan.id, 'RETRY'], [rebuilt.id, 'SUCCESS']].sort());
      expect(await p.store.getBuild(orphan.id)).toEqual(retried);
    } finally {
      p.close();
    }
  }, 180_000);
});
