import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { hookFixture, httpRequest, signature, type HookFixture } from '../harness/http.js';
import { allBuildSets, recordingLogger, startMasterWith } from '../harness/master-with.js';
import { testConfig } from '../harness/config.js';

const GITHUB_SECRET = 'github-hook-secret-0123456789';
const GITLAB_TOKEN = 'gitlab-hook-token-0123456789';
const GENERIC_SECRET = 'generic-hook-secret-0123456789';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', name: 'compile', command: 'echo compiling' }] }],
  schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.3, builders: ['linux'] }],
  http: {
    port: 0,
    maxBodyBytes: 65536,
    webhooks: {
      github: { secret: { value: GITHUB_SECRET }, project: 'widget' },
      gitlab: { token: { env: 'BB_TEST_GITLAB_TOKEN' } },
      generic: { secret: { value: GENERIC_SECRET } },
    },
  },
});

/** Post a fixture as the service would: its headers, its body, signed (GitHub) or with the token (GitLab). */
function send(port: number, hook: 'github' | 'gitlab', f: HookFixture, change: (body: Record<string, unknown>) => void = () => undefined, auth?: string) {
  const body = structuredClone(f.body);
  change(body);
  const text = JSON.stringify(body);
  const proof: Record<string, string> = hook === 'github' ? { 'X-Hub-Signature-256': auth ?? signature(GITHUB_SECRET, text) } : { 'X-Gitlab-Token': auth ?? GITLAB_TOKEN };
  return httpRequest(port, 'POST', `/change_hook/${hook}`, { headers: { ...f.headers, ...proof }, body: text });
}

describe('webhooks', () => {
  let fx: PipelineFixture;
  beforeAll(() => {
    process.env.BB_TEST_GITLAB_TOKEN = GITLAB_TOKEN;
  });
  afterEach(async () => fx?.close());

  it('a signed GitHub push becomes one Change per commit and a build through a single-branch scheduler', async () => {
    fx = await PipelineFixture.create('hook-github', config);
    const master = await startMasterWith(fx);
    await fx.startExecutor('a', SECRET_A);
    const port = master.http!.address!.port;
    expect((await httpRequest(port, 'GET', '/healthz')).status).toBe(200);

    const push = hookFixture('github-push');
    const res = await send(port, 'github', push);
    expect(res).toMatchObject({ status: 202, json: { changes: 3 } });

    const [build] = await waitFor('the build', async () => {
      const b = await fx.builds('linux');
      return b.length && b[0]!.state === 'finished' ? b : null;
    });
    const changes = await fx.store.getChanges([1, 2, 3]);
    expect(changes.map((c) => c.revision)).toEqual(['a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80', 'c9a1f0e2d3b4c5a6978877665544332211aabbcc']);
    expect(changes[1]).toMatchObject({
      author: 'Zooko Wilcox <zooko@example.org>',
      committer: 'Brian Warner <warner@example.org>',
      files: ['docs/storage.md', 'docs/old-retry.md'],
      comments: 'docs: describe the retry policy\n\nMentions the new timeout knob.',
      branch: 'main',
      repository: 'https://github.com/acme/widget.git',
      project: 'widget',
      when: Date.parse('2026-04-20T14:10:42+02:00'),
      revlink: 'https://github.com/acme/widget/commit/b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80',
      source: 'webhook:github',
    });
    expect(changes[0]!.files).toEqual(['src/storage/retry.ts', 'src/storage/upload.ts']);
    expect(build).toMatchObject({ result: 'SUCCESS', sourcestamp: { branch: 'main', revision: 'c9a1f0e2d3b4c5a6978877665544332211aabbcc', changeIds: [1, 2, 3] } });
    expect(build!.blamelist).toEqual(['Brian Warner <warner@example.org>', 'Zooko Wilcox <zooko@example.org>', 'Daira Hopwood <daira@example.org>']);

    // GitHub redelivers with the same X-GitHub-Delivery: nothing is stored twice.
    expect(await send(port, 'github', push)).toMatchObject({ status: 202, json: { changes: 0, duplicates: 3 } });
    expect(await fx.store.lastChangeId()).toBe(3);

    // A captured signed push replayed with a new delivery id, or none, adds nothing either.
    const newId = { ...push, headers: { ...push.headers, 'X-GitHub-Delivery': 'aaaaaaaa-0000-4000-8000-000000000001' } };
    expect(await send(port, 'github', newId)).toMatchObject({ status: 202, json: { changes: 0, duplicates: 3 } });
    const { 'X-GitHub-Delivery': _gone, ...noIdHeaders } = push.headers as Record<string, string>;
    expect(await send(port, 'github', { ...push, headers: noIdHeaders })).toMatchObject({ status: 202, json: { changes: 0, duplicates: 3 } });
    expect(await fx.store.lastChangeId()).toBe(3);

    // A real force-push moves the branch back (no new commits), then forward to the same tip again:
    // a new push (GitHub's pushed_at differs), so its commits are seen again.
    const body = push.body as { before: string; after: string; repository: { pushed_at: number } };
    const back = await send(port, 'github', { ...newId, headers: { ...push.headers, 'X-GitHub-Delivery': 'back' } }, (b) => {
      Object.assign(b, { before: body.after, after: body.before, commits: [], head_commit: null });
      (b.repository as { pushed_at: number }).pushed_at = body.repository.pushed_at + 60;
    });
    expect(back).toMatchObject({ status: 202, json: { changes: 0 } });
    const forward = await send(port, 'github', { ...push, headers: { ...push.headers, 'X-GitHub-Delivery': 'forward' } }, (b) => {
      (b.repository as { pushed_at: number }).pushed_at = body.repository.pushed_at + 120;
    });
    expect(forward).toMatchObject({ status: 202, json: { changes: 3 } });
    expect(await fx.store.lastChangeId()).toBe(6);
  });

  it('refuses what it must, logs each refusal, and creates nothing', async () => {
    fx = await PipelineFixture.create('hook-refuse', config);
    const { logger, lines } = recordingLogger();
    const master = await startMasterWith(fx, { logger });
    const port = master.http!.address!.port;
    const push = hookFixture('github-push');

    expect(await send(port, 'github', push, undefined, signature('not-the-secret-0123456789', JSON.stringify(push.body)))).toMatchObject({
      status: 403,
      json: { error: 'signature does not match' },
    });
    const unsigned = await httpRequest(port, 'POST', '/change_hook/github', { headers: push.headers, body: JSON.stringify(push.body) });
    expect(unsigned).toMatchObject({ status: 401, json: { error: 'missing signature' } });
    // A body changed after signing.
    const text = JSON.stringify(push.body);
    const tampered = await httpRequest(port, 'POST', '/change_hook/github', {
      headers: { ...push.headers, 'X-Hub-Signature-256': signature(GITHUB_SECRET, text) },
      body: text.replace('cap retries at five', 'cap retries at nine'),
    });
    expect(tampered.status).toBe(403);

    // Too large: refused from the Content-Length before reading, or while reading a chunked body.
    const big = Buffer.alloc(1024 * 1024, 'x');
    const declared = await httpRequest(port, 'POST', '/change_hook/github', { headers: { ...push.headers, 'X-Hub-Signature-256': signature(GITHUB_SECRET, big) }, body: big });
    expect(declared).toMatchObject({ status: 413, json: { error: 'request body is larger than 65536 bytes' } });
    expect(declared.headers.connection).toBe('close');
    const chunked = await httpRequest(port, 'POST', '/change_hook/generic', { headers: { 'content-type': 'application/json' }, body: big, chunked: true });
    expect(chunked.status).toBe(413);

    // Signed but malformed.
    const signedRaw = (raw: string) =>
      httpRequest(port, 'POST', '/change_hook/github', { headers: { ...push.headers, 'X-Hub-Signature-256': signature(GITHUB_SECRET, raw) }, body: raw });
    expect(await signedRaw('{"ref": "refs/heads/main", "commits": [')).toMatchObject({ status: 400, json: { error: 'body is not valid JSON' } });
    expect(await send(port, 'github', push, (b) => (b.commits = 'three'))).toMatchObject({ status: 400, json: { error: expect.stringContaining('malformed payload: commits') } });
    expect(
      await send(port, 'github', push, (b) => {
        (b.commits as Array<Record<string, unknown>>)[1]!.timestamp = 'yesterday';
      }),
    ).toMatchObject({ status: 400, json: { error: 'malformed payload: commits.1.timestamp: not a date' } });
    // A branch git would read as an option.
    expect(await send(port, 'github', push, (b) => (b.ref = 'refs/heads/--upload-pack=x'))).toMatchObject({
      status: 400,
      json: { error: expect.stringContaining('change 0: branch: not a valid branch name') },
    });

    // Not built: tag pushes, pings, other events.
    expect(await send(port, 'github', hookFixture('github-tag-push'))).toMatchObject({ status: 202, json: { changes: 0, ignored: 'tag push' } });
    expect(await send(port, 'github', hookFixture('github-ping'))).toMatchObject({ status: 200, json: { ignored: 'ping' } });
    expect(await send(port, 'github', { ...push, headers: { ...push.headers, 'X-GitHub-Event': 'issues' } })).toMatchObject({
      status: 202,
      json: { ignored: 'event issues is not built' },
    });
    expect((await httpRequest(port, 'GET', '/change_hook/github')).status).toBe(405);
    expect((await httpRequest(port, 'POST', '/change_hook/bitbucket', { body: '{}' })).status).toBe(404);
    expect((await httpRequest(port, 'POST', '/nothing', { body: '{}' })).status).toBe(404);

    expect(await fx.store.lastChangeId()).toBe(0);
    expect(await allBuildSets(fx)).toEqual([]);
    const rejected = lines.filter((l) => l.msg === 'webhook rejected');
    expect(rejected.map((l) => l.status)).toEqual([403, 401, 403, 413, 413, 400, 400, 400, 400, 405, 404]);
    expect(rejected[3]).toMatchObject({ hook: 'github', error: 'request body is larger than 65536 bytes', delivery: push.headers['X-GitHub-Delivery'] });
    expect(lines.filter((l) => l.msg === 'webhook ignored').map((l) => l.ignored)).toEqual(['tag push', 'ping', 'event issues is not built']);
  });

  it('GitLab push events with the token, and tag pushes ignored', async () => {
    fx = await PipelineFixture.create('hook-gitlab', config);
    const master = await startMasterWith(fx);
    const port = master.http!.address!.port;
    const push = hookFixture('gitlab-push');
    expect(await send(port, 'gitlab', push, undefined, 'wrong-token-0123456789')).toMatchObject({ status: 403, json: { error: 'wrong token' } });
    expect(await httpRequest(port, 'POST', '/change_hook/gitlab', { headers: push.headers, body: JSON.stringify(push.body) })).toMatchObject({ status: 401 });
    expect(await send(port, 'gitlab', hookFixture('gitlab-tag-push'))).toMatchObject({ status: 202, json: { changes: 0, ignored: 'tag push' } });
    expect(await fx.store.lastChangeId()).toBe(0);

    expect(await send(port, 'gitlab', push)).toMatchObject({ status: 202, json: { changes: 2 } });
    const changes = await fx.store.getChanges([1, 2]);
    expect(changes.map((c) => [c.author, c.revision, c.files])).toEqual([
      ['Zooko Wilcox <zooko@example.org>', 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327', ['test/clock.ts', 'test/storage/retry.test.ts']],
      ['Daira Hopwood <[REDACTED]>', 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', ['src/storage/retry.ts']],
    ]);
    expect(changes[1]).toMatchObject({ branch: 'main', repository: 'https://gitlab.example.com/acme/widget.git', source: 'webhook:gitlab', comments: 'storage: log each retry\n' });
    // The tip-first order some GitLab versions send is put right: the tip stays the newest change.
    const again = { ...push, headers: { ...push.headers, 'X-Gitlab-Event-UUID': '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a' } };
    const reversed = await send(port, 'gitlab', again, (b) => {
      (b.commits as unknown[]).reverse();
      b.ref = 'refs/heads/stable';
    });
    expect(reversed).toMatchObject({ status: 202, json: { changes: 2 } });
    expect((await fx.store.getChange(4))!.revision).toBe('da1560886d4f094c3e6c9ef40349f7d38b5d27d7');
    await waitFor('the trunk buildset', async () => (await allBuildSets(fx)).length === 1 || null);
  });

  it("bb's generic form, signed with X-BB-Signature", async () => {
    fx = await PipelineFixture.create('hook-generic', config);
    const master = await startMasterWith(fx);
    const port = master.http!.address!.port;
    const post = (body: unknown, sig?: string, delivery = 'deploy-42') => {
      const text = JSON.stringify(body);
      return httpRequest(port, 'POST', '/change_hook/generic', {
        headers: { 'content-type': 'application/json', 'X-BB-Signature': sig ?? signature(GENERIC_SECRET, text), 'X-BB-Delivery': delivery },
        body: text,
      });
    };
    const good = {
      changes: [
        { author: 'Brian Warner <warner@example.org>', files: ['src/a.c'], comments: 'one', branch: 'main', revision: 'aaaa1111', source: 'poller:spoofed' },
        { author: 'Zooko Wilcox <zooko@example.org>', files: ['src/b.c'], comments: 'two', branch: 'main', revision: 'bbbb2222' },
      ],
    };
    expect(await post(good, signature('wrong-secret-0123456789', JSON.stringify(good)))).toMatchObject({ status: 403 });
    expect(await post({ changes: [{ author: 'x', branch: '-x' }] })).toMatchObject({ status: 400, json: { error: expect.stringContaining('change 0: branch') } });
    expect(await post({ changes: [{ files: [] }] })).toMatchObject({ status: 400, json: { error: expect.stringContaining('change 0: author') } });
    expect(await post({ nothing: true })).toMatchObject({ status: 400 });
    expect(await fx.store.lastChangeId()).toBe(0);

    expect(await post(good)).toMatchObject({ status: 202, json: { changes: 2 } });
    expect(await post(good)).toMatchObject({ status: 202, json: { changes: 0, duplicates: 2 } });
    // The same signed body under another delivery id is the same request.
    expect(await post(good, undefined, 'deploy-43')).toMatchObject({ status: 202, json: { changes: 0, duplicates: 2 } });
    const changes = await fx.store.getChanges([1, 2]);
    expect(changes.map((c) => [c.revision, c.source])).toEqual([
      ['aaaa1111', 'webhook:generic'],
      ['bbbb2222', 'webhook:generic'],
    ]);
    const [bs] = await waitFor('the buildset', async () => {
      const sets = await allBuildSets(fx);
      return sets.length ? sets : null;
    });
    expect(bs!.sourcestamp).toMatchObject({ branch: 'main', revision: 'bbbb2222', changeIds: [1, 2] });
  });
});
