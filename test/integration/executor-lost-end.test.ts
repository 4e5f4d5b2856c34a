import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';

/**
 * A Redis failover can discard the last writes the old primary acknowledged (README "Redis
 * Sentinel"): a build's end among them, after the executor's message was consumed. The test acts
 * that out on one server: it keeps bb's records as they were while the build ran and puts them
 * back once the build has ended. The executor's next heartbeat no longer lists the build, so the
 * master retries it instead of showing it running for ever.
 */
describe('a build whose end was lost', () => {
  let fx: PipelineFixture;
  afterEach(async () => {
    await fx?.close();
  });

  it('is retried when its executor\'s heartbeat no longer lists it', async () => {
    fx = await PipelineFixture.create(
      'lost-end',
      testConfig({
        executorTimeout: 6,
        executors: [{ name: 'a', secret: SECRET_A }],
        builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'work', command: 'while [ ! -f BASEDIR-go ]; do sleep 0.1; done; echo done' }] }],
        schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
      }),
    );
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    await waitFor('executor a', async () => (await fx.store.getExecutor('a'))?.state === 'connected');
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const first = await waitFor('the build to run', async () => {
      const [b] = await fx.builds('linux');
      return b?.state === 'running' ? b : null;
    });

    // bb's records as they are while the build runs (BullMQ's queues are left alone: the
    // executor's messages stay consumed, as when the primary that took them is gone).
    const pattern = `${fx.prefix}:db:*`;
    const keys = async () => {
      const out: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await fx.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        out.push(...found);
      } while (cursor !== '0');
      return out;
    };
    const saved = await Promise.all((await keys()).map(async (k) => ({ k, v: await fx.redis.dumpBuffer(k), ttl: await fx.redis.pttl(k) })));

    writeFileSync(join(fx.dir, 'master-go'), '');
    await waitFor('the build to end', async () => (await fx.store.getBuild(first.id))?.state === 'finished');
    const now = new Set(saved.map((x) => x.k));
    const added = (await keys()).filter((k) => !now.has(k));
    if (added.length) await fx.redis.del(...added);
    for (const { k, v, ttl } of saved) if (v) await fx.redis.restore(k, ttl > 0 ? ttl : 0, v, 'REPLACE');
    expect((await fx.store.getBuild(first.id))?.state).toBe('running');

    const [retried, rerun] = await waitFor('the build to be retried and run again', async () => {
      const builds = await fx.builds('linux');
      return builds.length === 2 && builds[1]!.state === 'finished' ? builds : null;
    }, 60_000);
    expect(retried!.id).toBe(first.id);
    expect(retried!.result).toBe('RETRY');
    expect(retried!.text).toBe('executor a no longer runs it and its end never arrived');
    expect(rerun!.result).toBe('SUCCESS');
    expect(rerun!.requestId).toBe(first.requestId);
    const bs = await waitFor('the buildset to complete', async () => {
      const x = await fx.store.getBuildSet(rerun!.buildsetId);
      return x?.completeAt ? x : null;
    });
    expect(bs.result).toBe('SUCCESS');
  }, 120_000);
});
