import { afterEach, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { httpRequest, signature } from '../harness/http.js';
import { startMasterWith } from '../harness/master-with.js';
import { testConfig } from '../harness/config.js';

const SECRET = 'generic-hook-secret-0123456789';

/**
 * `redis.waitReplicas`: webhook intake answers 202 only once that many replicas have the changes
 * (Redis's WAIT). The test's Redis has no replica, so a delivery is stored but answered 503, and
 * delivering it again stores nothing more and is answered the same until a replica confirms it.
 * (The 202 side runs on the Sentinel setup: test/integration/redis-sentinel.test.ts.)
 */
describe('webhook intake waiting for replicas', () => {
  let fx: PipelineFixture;
  afterEach(async () => {
    await fx?.close();
  });

  it('a change no replica confirmed is stored but answered 503, and not stored twice', async () => {
    fx = await PipelineFixture.create(
      'hook-replicas',
      testConfig({
        redis: { prefix: 'PREFIX', waitReplicas: 1 },
        executors: [{ name: 'a', secret: SECRET_A }],
        builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
        http: { port: 0, webhooks: { generic: { secret: { value: SECRET } } } },
      }),
    );
    const master = await startMasterWith(fx);
    const port = master.http!.address!.port;
    const text = JSON.stringify({ changes: [{ author: 'Brian Warner <warner@example.org>', files: ['src/a.c'], branch: 'main', revision: 'aaaa1111' }] });
    const post = () => httpRequest(port, 'POST', '/change_hook/generic', { headers: { 'content-type': 'application/json', 'X-BB-Signature': signature(SECRET, text) }, body: text });
    const first = await post();
    expect(first.status).toBe(503);
    expect(first.json).toEqual({ error: 'stored, but 0 of 1 replicas confirmed it within 2 s (redis.waitReplicas): deliver it again later (a stored change is not stored twice)' });
    expect(await fx.store.lastChangeId()).toBe(1);
    expect((await post()).status).toBe(503);
    expect(await fx.store.lastChangeId()).toBe(1);
  }, 60_000);
});
