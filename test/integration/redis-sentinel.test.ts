import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { freePort } from '../../src/util/net.js';
import { startSentinelSetup, type SentinelSetup } from '../harness/sentinel.js';
import { probe, spawnBb, spawnExecutor, spawnMaster, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';
import { BbClient } from '../../src/queue/client.js';
import type { Store } from '../../src/data/store.js';

const SECRET_A = 'sentinel-test-secret-a-0123456789';
const SECRET_B = 'sentinel-test-secret-b-0123456789';
const CHANGES = 30;
const HOOK_SECRET = 'sentinel-hook-secret-0123456789';

/**
 * bb on a Sentinel-managed Redis (a primary, a replica, three sentinels, all real processes on
 * loopback): the master, two executors and the client reach Redis only through the sentinels. A
 * failover in the middle of a burst of changes and running builds loses no acknowledged change
 * and no build result, and every process carries on by itself.
 */
describe('Redis Sentinel', () => {
  let setup: SentinelSetup;
  const procs: Proc[] = [];
  let p: { store: Store; close(): void } | undefined;
  let client: BbClient | undefined;
  beforeAll(async () => {
    setup = await startSentinelSetup();
  }, 90_000);
  afterAll(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    await client?.close().catch(() => undefined);
    await setup?.stop();
  });

  it('a failover during a burst of changes and running builds loses no acknowledged change and no build result', async () => {
    const dir = tempDir('sentinel');
    const prefix = 'bbsentinel';
    const httpPort = await freePort();
    // The config names the sentinels (the object form); executors and the client take the URL form.
    const sentinels = setup.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
    const cfg = writeTestConfig(dir, {
      redis: { sentinels, name: setup.name, prefix, waitReplicas: 1 },
      http: { host: '127.0.0.1', port: httpPort, webhooks: { generic: { secret: { value: HOOK_SECRET } } } },
      basedir: join(dir, 'master'),
      executorTimeout: 10,
      collapseRequests: false,
      executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
      builders: [
        { name: 'linux', executors: ['a', 'b'], steps: [{ type: 'shell', name: 'work', command: 'sleep 0.3; echo built' }] },
        { name: 'mac', executors: ['a', 'b'], steps: [{ type: 'shell', name: 'work', command: 'sleep 0.3; echo built' }] },
      ],
      schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux', 'mac'] }],
    });
    const url = setup.url;
    p = probe(url, prefix);
    client = new BbClient(url, prefix);
    // No --redis: the master takes its Redis from the config's sentinels.
    const master = spawnBb(['master', '--config', cfg], { logDir: dir, label: 'master', env: { REDIS_URL: '' } });
    procs.push(master);
    for (const [name, secret] of [['a', SECRET_A], ['b', SECRET_B]] as const) {
      procs.push(spawnExecutor({ name, secret, redisUrl: url, prefix, basedir: join(dir, `exec-${name}`), slots: 2 }, dir));
    }
    await waitFor('both executors', async () => (await p!.store.getExecutors(['a', 'b'])).every((e) => e.state === 'connected'), 60_000);

    const acknowledged: string[] = [];
    let refused = 0;
    const send = async (i: number) => {
      const revision = `cafe${String(i).padStart(4, '0')}`;
      // A send that fails was not acknowledged: the sender tries again, as `bb sendchange` users do.
      for (;;) {
        try {
          await client!.sendChange({ author: 'Brian Warner <warner@example.org>', files: [`src/f${i}.c`], branch: 'main', revision });
          acknowledged.push(revision);
          return;
        } catch {
          refused += 1;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    for (let i = 0; i < CHANGES / 2; i++) await send(i);
    await waitFor('builds to be running', async () => (await p!.store.activeBuilds()).some((b) => b.state === 'running'), 30_000);
    const before = await setup.primaryPort();
    // The failover runs while the rest of the burst is sent.
    const [after] = await Promise.all([setup.failover(), (async () => { for (let i = CHANGES / 2; i < CHANGES; i++) await send(i); })()]);
    expect(after).not.toBe(before);
    expect(acknowledged).toHaveLength(CHANGES);

    // Every acknowledged change is stored, built on both builders, and every build has its result.
    let missing: string[] = [];
    const stored = await waitFor('every acknowledged change to be stored', async () => {
      const changes = await p!.store.recentChanges(CHANGES * 2);
      const revs = new Set(changes.map((c) => c.revision));
      missing = acknowledged.filter((r) => !revs.has(r));
      return missing.length === 0 ? changes : false;
    }, 60_000, 200).catch((err: Error) => {
      // Which ones, in the order they were acknowledged (the failover began after the first half).
      throw new Error(`${err.message}: missing ${missing.join(', ')} of ${acknowledged.join(', ')}; refused sends ${refused}`);
    });
    expect(new Set(stored.map((c) => c.revision)).size).toBe(CHANGES);
    const ids = new Set(stored.filter((c) => acknowledged.includes(c.revision ?? '')).map((c) => c.id));
    // Every change is in a BuildSet (the tree-stable scheduler groups the changes of a burst), and
    // every BuildSet completes: both builders built it, whatever the failover cut.
    let seen = '';
    const sets = await waitFor('every change to be built on both builders', async () => {
      const all = await p!.store.getBuildSets(await p!.store.buildSetIdsAfter(0, 1000));
      const covered = new Set(all.flatMap((bs) => bs.sourcestamp.changeIds));
      const active = await p!.store.activeBuilds();
      seen = `uncovered changes ${[...ids].filter((id) => !covered.has(id)).join(',') || 'none'}; open buildsets ${all.filter((bs) => bs.completeAt === undefined).map((bs) => bs.id).join(',') || 'none'}; active builds ${active.map((b) => `${b.id}:${b.state}`).join(',') || 'none'}`;
      const done = [...ids].every((id) => covered.has(id)) && all.every((bs) => bs.completeAt !== undefined);
      return done && active.length === 0 ? all : false;
    }, 120_000, 200).catch((err: Error) => {
      throw new Error(`${err.message} (${seen})`);
    });
    expect(sets.every((bs) => bs.result === 'SUCCESS')).toBe(true);
    const finished = [...(await p.store.lastBuilds('linux', 200)), ...(await p.store.lastBuilds('mac', 200))];
    // A build cut by the failover may end as RETRY and run again; none is left without a result.
    expect(finished.every((b) => b.state === 'finished')).toBe(true);
    expect(finished.filter((b) => b.result !== 'SUCCESS').every((b) => b.result === 'RETRY')).toBe(true);
    const ok = finished.find((b) => b.result === 'SUCCESS')!;
    const log = await p.store.readLog(ok.id, 0);
    expect(log.chunks.map((c) => c.text).join('')).toContain('built');

    // The processes are still the first ones, and still work: a change sent now is built too.
    expect(master.child.exitCode).toBeNull();
    expect(procs.every((x) => x.child.exitCode === null)).toBe(true);
    await client.sendChange({ author: 'Zooko <zooko@example.org>', files: ['src/late.c'], branch: 'main', revision: 'beef0001' });
    await waitFor('the change after the failover to be built', async () => {
      const b = (await p!.store.lastBuilds('linux', 1))[0];
      return b?.sourcestamp.revision === 'beef0001' && b.state === 'finished' && b.result === 'SUCCESS' ? b : false;
    }, 60_000);
    // The CLI follows the sentinels too.
    const status = spawnBb(['status', '--redis', url, '--prefix', prefix], { logDir: dir, label: 'status' });
    expect(await status.exited).toBe(0);
    expect(status.log()).toMatch(/linux/);
    // Webhook intake with redis.waitReplicas 1: 202 once the replica has the change.
    const body = JSON.stringify({ changes: [{ author: 'Zooko <zooko@example.org>', files: ['src/h.c'], branch: 'main', revision: 'beef0004' }] });
    const hook = await fetch(`http://127.0.0.1:${httpPort}/change_hook/generic`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bb-signature': `sha256=${createHmac('sha256', HOOK_SECRET).update(body).digest('hex')}` }, body });
    expect(hook.status).toBe(202);
    expect(await hook.json()).toEqual({ changes: 1 });
    // `--wait-replicas`: acknowledged only once a replica has it (WAIT); more than there are is refused.
    const safe = spawnBb(['sendchange', '--redis', url, '--prefix', prefix, '--wait-replicas', '1', '--who', 'Zooko <zooko@example.org>', '-b', 'main', '-r', 'beef0002', '-f', 'src/w.c'], { logDir: dir, label: 'sendchange-wait-1' });
    expect(await safe.exited).toBe(0);
    expect(safe.log()).toMatch(/^change queued \(/);
    const unsafe = spawnBb(['sendchange', '--redis', url, '--prefix', prefix, '--wait-replicas', '2', '--who', 'Zooko <zooko@example.org>', '-b', 'main', '-r', 'beef0003', '-f', 'src/w.c'], { logDir: dir, label: 'sendchange-wait-2' });
    expect(await unsafe.exited).not.toBe(0);
    expect(unsafe.log()).toMatch(/the change is queued \(.+\) but 1 of 2 replicas confirmed it within 5 s: a failover now could lose it/);
    console.log(`sentinel failover: ${before} -> ${after}; ${CHANGES} changes acknowledged (${refused} sends refused during the switch and sent again), ${finished.length} builds (${finished.filter((b) => b.result === 'RETRY').length} retried)`);
  }, 300_000);
});
