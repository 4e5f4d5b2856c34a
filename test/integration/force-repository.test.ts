import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Store } from '../../src/data/store.js';
import { masterConfigSchema } from '../../src/config/schema.js';
import { forceBuild } from '../../src/process/force.js';
import { submitTry } from '../../src/process/try.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';

/** Which repository a forced (or try) build checks out, on the real store. */
describe('the repository of a forced build', () => {
  let url: string;
  let prefix: string;
  let redis: Redis;
  afterEach(async () => {
    redis?.disconnect();
    await deletePrefix(url, prefix);
  });

  it("defaults to the repository of the builder's schedulers, takes --repository, and refuses to guess", async () => {
    url = (await testRedis()).url;
    prefix = freshPrefix('forcerepo');
    redis = new Redis(url);
    const store = new Store(redis, prefix);
    const config = masterConfigSchema.parse({
      redis: { prefix },
      executors: [{ name: 'a', secret: 'x'.repeat(16) }],
      repositories: [
        { name: 'app', url: '/srv/git/app.git', branches: ['main'], project: 'app' },
        { name: 'docs', url: '/srv/git/docs.git', branches: ['trunk'], project: 'docs' },
        { name: 'lib', url: '/srv/git/lib.git', branches: ['main'], project: 'lib' },
      ],
      builders: ['app-linux', 'docs-html', 'lib-linux', 'loose'].map((name) => ({ name, executors: ['a'], steps: [{ type: 'shell', command: 'true' }] })),
      schedulers: [
        { type: 'single-branch', name: 'app', branch: 'main', treeStableTimer: 0, builders: ['app-linux'], filter: { repository: '/srv/git/app.git' } },
        { type: 'single-branch', name: 'docs', branch: 'trunk', treeStableTimer: 0, builders: ['docs-html'] },
        { type: 'any-branch', name: 'lib', treeStableTimer: 0, builders: ['lib-linux'], filter: { repository: ['lib'] } },
        { type: 'force', name: 'force', builders: ['app-linux', 'docs-html', 'lib-linux', 'loose'] },
        { type: 'try', name: 'try', builders: ['docs-html', 'lib-linux'], allowedUsers: ['cli:alice'] },
      ],
    });
    const stampOf = async (req: Record<string, unknown>) => (await store.getBuildSet((await forceBuild(store, config, { v: 1, type: 'force', owner: 'test', ...req })).buildsetId))!.sourcestamp;

    // By the scheduler's repository filter (a URL, or a name), else by the branch it builds.
    expect(await stampOf({ builders: ['app-linux'] })).toMatchObject({ repository: '/srv/git/app.git', project: 'app', branch: 'main' });
    expect(await stampOf({ builders: ['lib-linux'] })).toMatchObject({ repository: '/srv/git/lib.git', project: 'lib', branch: 'main' });
    expect(await stampOf({ builders: ['docs-html'] })).toMatchObject({ repository: '/srv/git/docs.git', project: 'docs', branch: 'trunk' });
    // Asked for by name or URL.
    expect(await stampOf({ builders: ['loose'], repository: 'docs' })).toMatchObject({ repository: '/srv/git/docs.git', branch: 'trunk' });
    expect(await stampOf({ builders: ['app-linux'], repository: '/srv/git/lib.git' })).toMatchObject({ repository: '/srv/git/lib.git' });
    // A revision given by hand pins the stamp.
    expect(await stampOf({ builders: ['app-linux'], revision: 'abcdef12' })).toMatchObject({ revision: 'abcdef12', pinned: true });
    expect((await stampOf({ builders: ['app-linux'] })).pinned).toBeUndefined();
    // No guessing: a builder no scheduler ties to a repository, builders of two repositories, an unknown name.
    await expect(stampOf({ builders: ['loose'] })).rejects.toThrow('loose are built by no scheduler that names a repository: pick one with --repository (one of app, docs, lib)');
    await expect(stampOf({ builders: ['app-linux', 'docs-html'] })).rejects.toThrow(/are built from several repositories \(app, docs\): pick one with --repository/);
    await expect(stampOf({ builders: ['app-linux'], repository: 'nope' })).rejects.toThrow('no repository "nope" (configured: app, docs, lib)');

    // Try builds choose alike.
    const patch = { body: 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n', level: 1 };
    const tried = await submitTry(store, config, { v: 1, type: 'try', builders: ['docs-html'], patch, owner: 'cli:alice' });
    expect((await store.getBuildSet(tried.buildsetId))!.sourcestamp).toMatchObject({ repository: '/srv/git/docs.git', branch: 'trunk' });
  });
});
