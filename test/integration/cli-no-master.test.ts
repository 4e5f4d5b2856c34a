import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BbClient } from '../../src/queue/client.js';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { testConfig } from '../harness/config.js';

/** `bb user add` (any control request) with no master running: said clearly, and never done later behind the asker's back. */

let fx: PipelineFixture;

beforeAll(async () => {
  fx = await PipelineFixture.create('nomaster', testConfig({
    executors: [{ name: 'a', secret: SECRET_A }],
    builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
    schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
  }));
});

afterAll(async () => {
  await fx?.close();
});

describe('a control request with no master', () => {
  it('says at once that nothing was done and nothing will be, and a master started later does not do it', async () => {
    const client = new BbClient(fx.redisUrl, fx.prefix);
    try {
      await expect(client.control({ v: 1, type: 'user', op: 'add', name: 'ghost', emails: ['ghost@example.org'] })).rejects.toThrow(
        'no master is running with this Redis and prefix: nothing was done, and nothing will be. Start `bb master`, then run this again.',
      );
    } finally {
      await client.close();
    }
    await fx.startMaster();
    // A request made now is answered; the earlier one never reached the queue.
    await fx.client.control({ v: 1, type: 'user', op: 'add', name: 'real', emails: ['real@example.org'] });
    expect(await fx.store.users.get('real')).not.toBeNull();
    expect(await fx.store.users.get('ghost')).toBeNull();
  });
});
