import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { CheckoutStepSpec } from '../src/model/steps.js';
import { REVISION_NOT_FOUND } from '../src/model/build.js';
import { shortRev } from '../src/model/revision.js';
import { checkoutPlan, isFullSha, type CheckoutPlan } from './git-args.js';
import { applyPatch } from './patch.js';
import { DEFAULT_TIMEOUT_SEC, StepException, type StepContext, type StepOutcome } from './step-context.js';

/**
 * The checkout step: get the source stamp's commit into the work tree with git. Branch and
 * revision were validated by `checkoutPlan`; the commit checked out is always the 40-hex sha
 * that rev-parse gave, never a name from outside. Sets the `got_revision` property.
 * A git error throws (the step becomes EXCEPTION); a patch that does not apply is FAILURE.
 */
export async function runCheckout(step: CheckoutStepSpec, ctx: StepContext): Promise<StepOutcome> {
  const ss = ctx.job.sourcestamp;
  const plan = checkoutPlan({ repository: step.repository ?? ss.repository, branch: ss.branch, revision: ss.revision });
  const timeoutSec = step.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
  const timeout = AbortSignal.timeout(timeoutSec * 1000);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    return await checkout(step, plan, ctx, signal);
  } catch (err) {
    if (ctx.signal.aborted) return { result: 'RETRY', text: 'interrupted by executor shutdown' };
    if (timeout.aborted) {
      ctx.log('header', `timed out after ${timeoutSec}s\n`);
      return { result: 'FAILURE', text: `timed out after ${timeoutSec}s` };
    }
    throw err;
  }
}

async function checkout(step: CheckoutStepSpec, plan: CheckoutPlan, ctx: StepContext, signal: AbortSignal): Promise<StepOutcome> {
  const dir = ctx.buildDir;
  const say = (args: string[]) => ctx.log('header', `git ${args.join(' ')}\n`);
  if (step.mode === 'clobber' || !existsSync(join(dir, '.git'))) {
    say(['clone', '--no-checkout', plan.repository, dir]);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await gitIn(dirname(dir), signal).clone(plan.repository, dir, ['--no-checkout']);
  } else {
    // Only one build uses a work tree at a time, so a lock file is left over from a killed git.
    await rm(join(dir, '.git', 'index.lock'), { force: true });
    const url = (await gitIn(dir, signal).remote(['get-url', 'origin']))?.trim();
    if (url !== plan.repository) {
      say(['remote', 'set-url', 'origin', plan.repository]);
      await gitIn(dir, signal).remote(['set-url', 'origin', plan.repository]);
    }
  }
  const git = gitIn(dir, signal);
  say(['fetch', '--no-tags', 'origin', ...plan.refspecs]);
  await git.fetch(['--no-tags', 'origin', ...plan.refspecs]);

  const revArgs = ['--verify', '--end-of-options', `${plan.target}^{commit}`];
  say(['rev-parse', ...revArgs]);
  let sha: string;
  try {
    sha = (await git.revparse(revArgs)).trim();
  } catch {
    if (signal.aborted) throw signal.reason;
    if (ctx.job.sourcestamp.revision) throw new StepException(`${REVISION_NOT_FOUND}: ${plan.target} is not in ${plan.repository} after fetching`);
    throw new StepException(`ref ${plan.target} not found in ${plan.repository} after fetching`);
  }
  if (!isFullSha(sha)) throw new StepException(`rev-parse gave ${JSON.stringify(sha)}, not a commit id`);
  ctx.log('stdout', `${sha}\n`);

  say(['checkout', '--force', '--detach', sha]);
  await git.checkout(['--force', '--detach', sha]);
  say(['reset', '--hard', sha]);
  await git.raw(['reset', '--hard', sha]);
  if (step.mode !== 'clobber') {
    const clean = step.mode === 'full' ? ['clean', '-f', '-d', '-x'] : ['clean', '-f', '-d'];
    say(clean);
    const out = await git.raw(clean);
    if (out.trim()) ctx.log('stdout', out.endsWith('\n') ? out : `${out}\n`);
  }
  ctx.setProperty('got_revision', sha);

  const patch = ctx.job.sourcestamp.patch;
  if (!patch) return { result: 'SUCCESS', text: `got revision ${shortRev(sha)}` };
  if (!(await applyPatch(git, patch, ctx, signal))) return { result: 'FAILURE', text: 'patch did not apply' };
  return { result: 'SUCCESS', text: `got revision ${shortRev(sha)} + patch` };
}

/**
 * simple-git strips GIT_* variables inherited from the environment; these few, set by whoever runs
 * the executor (not by jobs), say how to reach private repositories and are passed through.
 */
const OPERATOR_GIT_ENV = ['GIT_SSH_COMMAND', 'GIT_SSH', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH', 'GIT_TERMINAL_PROMPT'];

function gitIn(baseDir: string, abort: AbortSignal): SimpleGit {
  return simpleGit({ baseDir, abort, maxConcurrentProcesses: 1, allowEnvironment: OPERATOR_GIT_ENV });
}
