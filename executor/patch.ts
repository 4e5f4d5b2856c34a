import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { Patch } from '../src/model/build.js';
import { relativeInside } from './paths.js';
import type { StepContext } from './step-context.js';

/**
 * Apply a source stamp's patch (a try build) to the checked-out tree: `git apply -p<level>`, with
 * `--directory=<subdir>` when the patch is relative to a subdirectory. The body goes through a temp
 * file, as `git apply` takes files. Returns false (and logs git's complaint) when it does not apply.
 */
export async function applyPatch(git: SimpleGit, patch: Patch, ctx: StepContext, signal: AbortSignal): Promise<boolean> {
  const opts = [`-p${patch.level}`];
  const sub = patch.subdir ? relativeInside(ctx.buildDir, patch.subdir, 'patch subdir') : '';
  if (sub) opts.push(`--directory=${sub}`);
  const tmp = await mkdtemp(join(tmpdir(), 'bb-patch-'));
  try {
    const file = join(tmp, 'patch.diff');
    await writeFile(file, patch.body);
    ctx.log('header', `git apply ${opts.join(' ')} ${file}\n`);
    await git.applyPatch([file], opts);
    return true;
  } catch (err) {
    if (signal.aborted) throw err;
    ctx.log('stderr', `${(err as Error).message.trim()}\n`);
    return false;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
