import { Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { BbClient } from '../../queue/client.js';
import type { Store } from '../../data/store.js';
import type { Build, BuildSet } from '../../model/build.js';
import { isGood } from '../../model/results.js';
import { patchProblem } from '../../process/try.js';
import { describeBuild } from '../../status/status.js';
import { addConnOptions, CliError, connPrefix, connUrl, openStore, type ConnOptions } from '../connect.js';
import { collect, parseProperties } from '../options.js';

interface TryOptions extends ConnOptions {
  builder: string[];
  repository?: string;
  branch?: string;
  revision?: string;
  patch?: string;
  level: number;
  who?: string;
  reason?: string;
  property: string[];
  scheduler?: string;
  wait?: boolean;
  timeout?: string;
}

function level(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 20) throw new InvalidArgumentError('a level is a number from 0 to 20');
  return Number(v);
}

/**
 * `bb try`: build a local patch (the output of `git diff`) on some builders without committing it.
 * The master accepts it only from users its try scheduler allows; the identity sent is
 * `cli:<unix user>` or the `--who` name, and is only as trustworthy as access to Redis.
 */
export function tryCommand(): Command {
  return addConnOptions(
    new Command('try')
      .description('build a patch (git diff output) on builders without committing it')
      .option('--builder <name>', 'builder to run (repeat for more; at least one)', collect, [])
      .option('--repository <name>', "repository to build, by name or URL (default: the one the builders' schedulers build)")
      .option('-b, --branch <branch>', 'branch to apply the patch to (default: the first branch of the repository)')
      .option('-r, --revision <rev>', 'revision to apply the patch to (default: the tip of the branch)')
      .option('--patch <file>', 'the patch file; "-" reads standard input (default: standard input when it is not a terminal)')
      .option('-p, --level <n>', 'leading path components to strip, as for `git apply -p`', level, 1)
      .option('--who <name>', 'submit as this user (default: cli:<your unix user>)')
      .option('--reason <text>', 'why, shown with the build')
      .option('--property <k=v>', 'a build property (repeat for more)', collect, [])
      .option('--scheduler <name>', 'try scheduler to use')
      .option('--wait', 'wait for the builds and print their results; exit 0 on SUCCESS or WARNINGS, 1 otherwise')
      .option('--timeout <seconds>', 'with --wait: give up after this long (exit 1)'),
  ).action(async (o: TryOptions) => {
    if (!o.builder.length) throw new CliError('name at least one builder with --builder', 2);
    const body = await readPatch(o.patch);
    const problem = patchProblem(body);
    if (problem) throw new CliError(problem, 2);
    const owner = o.who ?? `cli:${userInfo().username}`;
    const client = new BbClient(connUrl(o), connPrefix(o));
    let buildsetId: number;
    try {
      const res = await client.control<{ buildsetId?: number; error?: string }>({
        v: 1,
        type: 'try',
        builders: o.builder,
        ...(o.repository ? { repository: o.repository } : {}),
        ...(o.branch ? { branch: o.branch } : {}),
        ...(o.revision ? { revision: o.revision } : {}),
        patch: { body, level: o.level },
        owner,
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.scheduler ? { scheduler: o.scheduler } : {}),
        properties: parseProperties(o.property),
      });
      if (res.error || res.buildsetId === undefined) throw new CliError(`try refused: ${res.error ?? 'no answer'}`);
      buildsetId = res.buildsetId;
    } finally {
      await client.close();
    }
    console.log(`try buildset ${buildsetId} queued for ${o.builder.join(', ')} (owner ${owner})`);
    if (!o.wait) return;
    const timeoutMs = o.timeout === undefined ? undefined : Number(o.timeout) * 1000;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new CliError(`--timeout ${o.timeout}: give a number of seconds`, 2);
    const { store, close } = await openStore(o);
    try {
      const bs = await waitForBuildSet(store, buildsetId, timeoutMs, (line) => console.log(line));
      console.log(`try buildset ${bs.id}: ${bs.result}`);
      if (!isGood(bs.result ?? 'EXCEPTION')) throw new CliError(`try buildset ${bs.id} ended ${bs.result}`, 1);
    } finally {
      close();
    }
  });
}

async function readPatch(file: string | undefined): Promise<string> {
  if (file !== undefined && file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read the patch: ${(err as Error).message}`, 2);
    }
  }
  if (file === undefined && process.stdin.isTTY) throw new CliError('no patch: give --patch FILE, or pipe `git diff` into bb try', 2);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Poll until the BuildSet completes, reporting each of its builds as it starts and ends. */
export async function waitForBuildSet(store: Store, id: number, timeoutMs: number | undefined, say: (line: string) => void): Promise<BuildSet> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  const told = new Map<number, Build['state']>();
  for (;;) {
    const bs = await store.getBuildSet(id);
    if (!bs) throw new CliError(`buildset ${id} not found`);
    const requests = await store.getRequests(bs.requestIds);
    const builds = await store.getBuilds(requests.flatMap((r) => r.buildIds));
    for (const b of builds.sort((x, y) => x.id - y.id)) {
      if (told.get(b.id) === b.state) continue;
      if (b.state === 'finished') say(`${b.builder} ${describeBuild(b)}`);
      else if (!told.has(b.id)) say(`${b.builder} #${b.number} started on ${b.executor}`);
      told.set(b.id, b.state);
    }
    if (bs.completeAt) return bs;
    if (Date.now() > deadline) throw new CliError(`buildset ${id} still running after ${Math.round((timeoutMs ?? 0) / 1000)} s`, 1);
    await new Promise((r) => setTimeout(r, 300));
  }
}
