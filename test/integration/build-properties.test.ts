import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import type { Build } from '../../src/model/build.js';
import { testConfig } from '../harness/config.js';

const config = testConfig({
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [{ name: 'linux', executors: ['a'], steps: [
    { type: 'shell', name: 'branch', command: 'echo %(prop:branch:-main) && echo %(prop:reason) && echo %(prop:repository:-none)' },
    { type: 'shell', name: 'raw', command: 'echo one%(rawprop:sep:-;) echo two' },
  ] }],
  schedulers: [{ type: 'force', name: 'force', builders: ['linux'] }],
});

describe('build properties', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  const stdout = async (b: Build, step: number) =>
    (await fx.store.readLog(b.id, step)).chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join('');

  it('builds get branch, revision, repository and reason; values are shell-quoted in shell commands, rawprop is not', async () => {
    fx = await PipelineFixture.create('props', config);
    await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    // Branch names like this one are valid for git and come in from pushes.
    const evil = 'b$(touch${IFS}pwned);touch${IFS}pwned2`touch${IFS}pwned3`';
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test', branch: evil, revision: 'abc123', reason: "it's a test" });
    await fx.client.control({ v: 1, type: 'force', builders: ['linux'], owner: 'test' });
    const [first, second] = await waitFor('both builds', async () => {
      const builds = await fx.builds('linux');
      return builds.length === 2 && builds.every((b) => b.state === 'finished') ? builds : null;
    }, 60_000);

    expect(first!.properties).toMatchObject({ branch: evil, revision: 'abc123', reason: expect.stringContaining("it's a test") });
    expect(first!.result).toBe('SUCCESS');
    expect((await stdout(first!, 0)).split('\n')[0]).toBe(evil);
    expect((await stdout(first!, 0)).split('\n')[1]).toContain("it's a test");
    const workTree = join(fx.dir, 'executor-a', 'linux', 'build');
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(workTree, f))).toBe(false);
    // The raw form is the shell's: ';' separates two commands.
    expect(await stdout(first!, 1)).toBe('one\ntwo\n');

    // Without a branch the README's default applies.
    expect(second!.properties.branch).toBeUndefined();
    expect((await stdout(second!, 0)).split('\n')[0]).toBe('main');
  }, 90_000);
});
