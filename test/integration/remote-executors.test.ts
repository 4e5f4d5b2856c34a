import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startNetnsLab, type NetnsLab } from '../harness/netns.js';
import { probe, spawnExecutor, spawnMaster, tempDir, waitFor, type Proc } from '../harness/bb.js';
import { writeTestConfig } from '../harness/config.js';
import { BbClient } from '../../src/queue/client.js';
import type { Store } from '../../src/data/store.js';

const SECRET_A = 'netns-test-secret-a-0123456789';
const SECRET_B = 'netns-test-secret-b-0123456789';

/**
 * Executors on other hosts: each executor runs in a network namespace of its own and reaches
 * Redis over a veth link, with its own basedir. Executor a's link is cut while it runs a build:
 * the master counts it lost and the build runs again on b; when the link comes back, what a says
 * about its old build arrives late and changes nothing.
 */
describe('executors on other hosts (network namespaces)', () => {
  let lab: NetnsLab;
  const procs: Proc[] = [];
  let p: { store: Store; close(): void } | undefined;
  let client: BbClient | undefined;
  let raw: Redis | undefined;
  beforeAll(async () => {
    lab = await startNetnsLab(2);
  }, 60_000);
  afterAll(async () => {
    for (const x of procs.splice(0)) await x.kill('SIGKILL');
    p?.close();
    raw?.disconnect();
    await client?.close().catch(() => undefined);
    for (const h of lab?.hosts ?? []) h.restore();
    await lab?.stop();
  });

  it('a build on an executor whose link is cut runs again elsewhere, and its late result is ignored', async () => {
    const dir = tempDir('netns');
    const prefix = 'bbnetns';
    const cfg = writeTestConfig(dir, {
      redis: { prefix },
      basedir: join(dir, 'master'),
      executorTimeout: 6,
      executors: [{ name: 'a', secret: SECRET_A }, { name: 'b', secret: SECRET_B }],
      builders: [{ name: 'linux', executors: ['a', 'b'], steps: [{ type: 'shell', name: 'work', command: 'sleep 4; echo built here' }] }],
      schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
    });
    const [hostA, hostB] = lab.hosts as [NetnsLab['hosts'][0], NetnsLab['hosts'][0]];
    p = probe(lab.redisLocalUrl, prefix);
    client = new BbClient(lab.redisLocalUrl, prefix);
    raw = new Redis(lab.redisLocalUrl);
    const master = spawnMaster(cfg, lab.redisLocalUrl, dir);
    procs.push(master);
    const a = spawnExecutor({ name: 'a', secret: SECRET_A, redisUrl: lab.redisUrlFor(hostA), prefix, basedir: join(dir, 'host-a', 'basedir'), wrap: hostA.wrap }, dir);
    procs.push(a);
    await waitFor('executor a', async () => (await p!.store.getExecutor('a'))?.state === 'connected', 60_000);
    // Its connections come over its link, from its own address.
    const clients = String(await raw.call('CLIENT', 'LIST'));
    expect(clients).toContain(`addr=${hostA.address}:`);

    await client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const first = await waitFor('the build to run on a', async () => {
      const b = await p!.store.getBuild(1);
      return b?.state === 'running' ? b : null;
    }, 60_000);
    expect(first.executor).toBe('a');
    procs.push(spawnExecutor({ name: 'b', secret: SECRET_B, redisUrl: lab.redisUrlFor(hostB), prefix, basedir: join(dir, 'host-b', 'basedir'), wrap: hostB.wrap }, dir));
    await waitFor('executor b', async () => (await p!.store.getExecutor('b'))?.state === 'connected', 60_000);

    hostA.cut();
    const lost = await waitFor('the master to count a lost', async () => {
      const e = await p!.store.getExecutor('a');
      return e?.state === 'lost' ? e : null;
    }, 60_000);
    expect(lost.reason).toMatch(/no heartbeat/);
    // The record says lost first; its builds are retried right after (once its waiting jobs are dropped).
    const retried = await waitFor('the build retried', async () => {
      const b = await p!.store.getBuild(1);
      return b?.state === 'finished' ? b : null;
    }, 30_000);
    expect(retried.result).toBe('RETRY');
    const second = await waitFor('the build to run again on b and finish', async () => {
      const b = await p!.store.getBuild(2);
      return b?.state === 'finished' ? b : null;
    }, 60_000);
    expect(second.executor).toBe('b');
    expect(second.result).toBe('SUCCESS');
    expect(second.requestId).toBe(first.requestId);
    // a's build finished behind the cut link (its step takes 4 s); its result waits in a's
    // connection. The link comes back: a is heard again, and the late result changes nothing.
    hostA.restore();
    await waitFor('executor a to be back', async () => (await p!.store.getExecutor('a'))?.state === 'connected', 120_000);
    // The master reads what a said about build 1 while cut off (its finish among it), and drops it.
    await waitFor('a\'s late build events to be read and ignored', () => /"buildId":1,"events":\d+,"msg":"stale build events ignored"/.test(master.log()), 60_000);
    const settled = (await p.store.getExecutor('a'))!;
    expect(settled.seq).toBeGreaterThan(lost.seq);
    expect(settled.state).toBe('connected');
    const after = (await p.store.getBuild(1))!;
    expect(after.result).toBe('RETRY');
    expect(after.state).toBe('finished');
    expect((await p.store.lastBuilds('linux', 10)).map((b) => `${b.number}:${b.executor}:${b.result}`)).toEqual(['2:b:SUCCESS', '1:a:RETRY']);
    expect((await p.store.getRequest(first.requestId))?.state).toBe('complete');
    // Each executor worked in its own basedir.
    const log = await p.store.readLog(second.id, 0);
    expect(log.chunks.map((c) => c.text).join('')).toContain('built here');
  }, 300_000);
});
