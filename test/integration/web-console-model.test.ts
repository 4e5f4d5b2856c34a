import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { ConsoleModel } from '../../src/web/console-model.js';
import { HistoryWriter } from '../harness/history.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';

/** The console's in-memory builds: read once, kept up to date by the write path's events, mended by a later read. */
describe('web: console model', () => {
  const open: Redis[] = [];
  let prefix = '';
  let url = '';
  afterEach(async () => {
    for (const r of open.splice(0)) await r.quit();
    if (url) await deletePrefix(url, prefix);
  });

  it('follows builds from the events without reading Redis, and mends what the events missed on its next read', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('webmodel');
    const redis = new Redis(url);
    open.push(redis);
    const store = new Store(redis, prefix);
    const writer = new HistoryWriter(store, { chunks: 0, tests: 0 });
    for (let i = 0; i < 3; i++) await writer.build('linux');
    await writer.build('mac');

    let clock = 0;
    const model = new ConsoleModel(store, { now: () => clock });
    const evals: number[] = [];
    const evalFn = redis.eval.bind(redis);
    redis.eval = ((...args: Parameters<typeof redis.eval>) => (evals.push(1), evalFn(...args))) as typeof redis.eval;
    const numbers = async () => [...(await model.latest(['linux', 'mac', 'bsd'], 2))].map(([b, l]) => `${b}:${l.map((c) => `${c.number}/${c.result ?? c.state}`).join(',')}`);

    expect(await numbers()).toEqual(['linux:3/SUCCESS,2/SUCCESS', 'mac:1/SUCCESS', 'bsd:']);
    expect(evals).toHaveLength(1);

    // A running build, then its end, through the store: the model follows without another read.
    const running = await writer.build('linux', false);
    expect(await numbers()).toEqual(['linux:4/running,3/SUCCESS', 'mac:1/SUCCESS', 'bsd:']);
    await store.applyBuildEvents(running.id, running.token, [{ type: 'build-finished', result: 'FAILURE' }]);
    await writer.build('bsd');
    expect(await numbers()).toEqual(['linux:4/FAILURE,3/SUCCESS', 'mac:1/SUCCESS', 'bsd:1/SUCCESS']);
    expect(evals).toHaveLength(1);

    // Written by another process (its own bus): unseen until the model reads again, in the background once it is old.
    const other = new Redis(url);
    open.push(other);
    await new HistoryWriter(new Store(other, prefix), { chunks: 0, tests: 0 }).build('mac');
    expect(await numbers()).toEqual(['linux:4/FAILURE,3/SUCCESS', 'mac:1/SUCCESS', 'bsd:1/SUCCESS']);
    clock = 61_000;
    await numbers();
    while ((await numbers())[1] !== 'mac:2/SUCCESS,1/SUCCESS') await new Promise((r) => setTimeout(r, 5));
    expect(evals).toHaveLength(2);

    // More builders or a deeper list: read at once.
    expect([...(await model.latest(['linux'], 3))][0]![1].map((c) => c.number)).toEqual([4, 3, 2]);
    expect(evals).toHaveLength(3);
    model.stop();
  });

  it('on a master that does not write the builds (a standby), reads them again once 2 s old, and when it starts to lead', async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('webmodel');
    const redis = new Redis(url);
    const other = new Redis(url);
    open.push(redis, other);
    const store = new Store(redis, prefix);
    const leader = new HistoryWriter(new Store(other, prefix), { chunks: 0, tests: 0 });
    await leader.build('linux');
    let clock = 0;
    let leads = false;
    const model = new ConsoleModel(store, { now: () => clock, follows: () => leads });
    const numbers = async () => (await model.latest(['linux'], 2)).get('linux')!.map((c) => c.number);
    expect(await numbers()).toEqual([1]);
    await leader.build('linux');
    clock = 1000;
    expect(await numbers()).toEqual([1]);
    clock = 2500;
    expect(await numbers()).toEqual([2, 1]);
    // It leads: the builds written before (unseen as events) are read once, then events are trusted.
    await leader.build('linux');
    leads = true;
    expect(await numbers()).toEqual([3, 2]);
    await new HistoryWriter(store, { chunks: 0, tests: 0 }).build('linux');
    clock = 30_000;
    expect(await numbers()).toEqual([4, 3]);
    model.stop();
  });
});
