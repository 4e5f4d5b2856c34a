import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LauncherPool } from '../../executor/launcher.js';
import { runProcessGroup, type GroupRunResult } from '../../executor/proc.js';
import { waitFor } from '../harness/bb.js';
import { alive } from './executor-fixture.js';

/**
 * Steps' processes, run through the launchers (Linux) and through Node's spawn (the fallback,
 * BB_EXECUTOR_SPAWN=node): the same cases give the same results. Real processes throughout.
 */
const scratch = mkdtempSync(join(tmpdir(), 'bb-launch-test-'));
const pools: LauncherPool[] = [];
// These tests pick the path themselves, also in a run with BB_EXECUTOR_SPAWN=node.
const launcherEnv: NodeJS.ProcessEnv = { ...process.env };
delete launcherEnv.BB_EXECUTOR_SPAWN;
afterEach(() => {
  for (const p of pools.splice(0)) p.stop();
});


function pool(max = 4): LauncherPool {
  const p = LauncherPool.create({ max }, launcherEnv);
  if (!p) throw new Error('no launchers on this machine');
  pools.push(p);
  return p;
}

interface Run extends GroupRunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

async function run(
  launchers: LauncherPool | undefined,
  argv: string[],
  o: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal; killGraceMs?: number } = {},
): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const t0 = Date.now();
  const [file, ...args] = argv as [string, ...string[]];
  const res = await runProcessGroup({
    file,
    args,
    cwd: o.cwd ?? scratch,
    env: o.env ?? { ...process.env },
    timeoutMs: o.timeoutMs ?? 30_000,
    killGraceMs: o.killGraceMs ?? 300,
    signal: o.signal ?? new AbortController().signal,
    onOutput: (s, t) => (s === 'stdout' ? (stdout += t) : (stderr += t)),
    launchers,
  });
  return { ...res, stdout, stderr, ms: Date.now() - t0 };
}

const sh = (script: string) => ['/bin/sh', '-c', script];
const dir = (name: string) => {
  const d = join(scratch, name);
  mkdirSync(d, { recursive: true });
  return d;
};

describe.each([
  ['launchers', (): LauncherPool | undefined => pool()],
  ['Node spawn', (): LauncherPool | undefined => undefined],
] as const)('step processes via %s', (_mode, make) => {
  it('passes argv, cwd and env (additions and removals), keeps stdout and stderr apart, reports the exit code', async () => {
    const p = make();
    const cwd = dir(`cwd ${_mode}`);
    const tricky = `it's "odd"\n$HOME \\ \`x\``;
    const env: NodeJS.ProcessEnv = { ...process.env, BB_T_ONE: tricky, BB_T_TWO: '' };
    delete env.HOME;
    for (let i = 0; i < 3; i++) {
      const r = await run(p, [...sh('pwd; printf "%s|" "$BB_T_ONE" "$BB_T_TWO" "${HOME-unset}" "$@"; echo oops >&2; exit 3'), 'zero', 'a b', "c'd"], { cwd, env });
      expect(r).toMatchObject({ code: 3, signal: null, timedOut: false, aborted: false, stdout: `${cwd}\n${tricky}||unset|a b|c'd|`, stderr: 'oops\n' });
      expect(r.spawnError).toBeUndefined();
    }
  });

  it('takes a long command (through a request file) with newlines and quotes intact', async () => {
    const p = make();
    const lines = Array.from({ length: 60 }, (_, i) => `echo 'line ${i}: it'"'"'s'`);
    const r = await run(p, sh(lines.join('\n')));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(lines.map((_, i) => `line ${i}: it's\n`).join(''));
  });

  it('starts steps with no signal ignored and stdin at /dev/null', async () => {
    const r = await run(make(), sh('grep SigIgn /proc/self/status; cat; readlink /proc/self/fd/0'));
    expect(r.stdout).toBe('SigIgn:\t0000000000000000\n/dev/null\n');
  });

  it('gives spawnError for a program that is missing, not executable, or a directory', async () => {
    const p = make();
    const noexec = join(scratch, 'noexec.sh');
    writeFileSync(noexec, '#!/bin/sh\necho hi\n');
    chmodSync(noexec, 0o644);
    for (const [file, code] of [
      ['bb-no-such-program', 'ENOENT'],
      [join(scratch, 'missing', 'x'), 'ENOENT'],
      [noexec, 'EACCES'],
      [scratch, 'EACCES'],
    ] as const) {
      const r = await run(p, [file]);
      expect(r.spawnError, file).toBeDefined();
      expect((r.spawnError as NodeJS.ErrnoException).code).toBe(code);
      expect(r.spawnError!.message).toContain(`spawn ${file} ${code}`);
      expect(r.stderr).toBe('');
    }
    // And the launcher is fine afterwards.
    expect(await run(p, sh('echo ok'))).toMatchObject({ code: 0, stdout: 'ok\n' });
  });

  it('reports a process killed by a signal as that signal', async () => {
    const p = make();
    expect(await run(p, sh('kill -TERM $$'))).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(await run(p, sh('kill -KILL $$'))).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(await run(p, sh('kill -ABRT $$'))).toMatchObject({ code: null, signal: 'SIGABRT' });
    expect(await run(p, sh('exit 128'))).toMatchObject({ code: 128, signal: null });
    expect(await run(p, sh('exit 255'))).toMatchObject({ code: 255, signal: null });
  });

  it('kills the whole group on timeout (SIGTERM, then SIGKILL), and the next step runs', async () => {
    const p = make();
    const cwd = dir(`timeout ${_mode}`);
    const script = ['sleep 1000 & echo $! > bg.pid', `sh -c 'trap "" TERM; echo $$ > stubborn.pid; exec sleep 1000' &`, 'while [ ! -s stubborn.pid ]; do sleep 0.01; done', 'sleep 1000'].join('\n');
    const before = p?.pids() ?? [];
    const r = await run(p, sh(script), { cwd, timeoutMs: 300, killGraceMs: 300 });
    expect(r).toMatchObject({ timedOut: true, aborted: false });
    const pids = ['bg.pid', 'stubborn.pid'].map((f) => Number(readFileSync(join(cwd, f), 'utf8').trim()));
    await waitFor('the whole process tree to be gone', () => !pids.some(alive), 10_000);
    // The launcher died with its group and is not used again.
    for (const pid of before) await waitFor(`launcher ${pid} gone`, () => !alive(pid), 10_000);
    const next = await run(p, sh('echo next'));
    expect(next).toMatchObject({ code: 0, stdout: 'next\n' });
    if (p) expect(p.pids().some((pid) => before.includes(pid))).toBe(false);
  });

  it('kills the group on abort', async () => {
    const p = make();
    const cwd = dir(`abort ${_mode}`);
    const ac = new AbortController();
    const running = run(p, sh('sleep 1000 & echo $! > bg.pid; wait'), { cwd, signal: ac.signal });
    await waitFor('the step to run', () => existsSync(join(cwd, 'bg.pid')) && readFileSync(join(cwd, 'bg.pid'), 'utf8').trim() !== '');
    const bg = Number(readFileSync(join(cwd, 'bg.pid'), 'utf8').trim());
    ac.abort();
    expect(await running).toMatchObject({ aborted: true, timedOut: false });
    await waitFor('the background process to be gone', () => !alive(bg), 10_000);
    expect(await run(p, sh('echo again'))).toMatchObject({ code: 0, stdout: 'again\n' });
  });

  it('a backgrounded grandchild holding the output: the step ends after the drain, the next step is clean and does not wait', async () => {
    const p = make();
    const cwd = dir(`linger ${_mode}`);
    // The grandchild writes again once the next step runs (it has written "late" into the old FIFO by then, or died of SIGPIPE).
    const first = await run(p, sh(`(while [ ! -f go ]; do sleep 0.02; done; echo late; echo late >&2; sleep 1000) & echo $! > bg.pid; echo first`), { cwd });
    expect(first).toMatchObject({ code: 0, stdout: 'first\n', stderr: '' });
    const next = await run(p, sh('touch go; sleep 0.3; echo second'), { cwd });
    expect(next).toMatchObject({ code: 0, stdout: 'second\n', stderr: '' });
    // The drain is 1 s: the second step ends well before it (its own sleep is 0.3 s).
    expect(next.ms).toBeLessThan(1000);
    const bg = Number(readFileSync(join(cwd, 'bg.pid'), 'utf8').trim());
    if (alive(bg)) process.kill(bg, 'SIGKILL');
  });

  it('runs many steps at once, each with its own output', async () => {
    const p = make();
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => run(p, sh('echo "out $BB_N"; echo "err $BB_N" >&2; sleep 0.0$BB_N; exit $BB_N'), { env: { ...process.env, BB_N: String(i) } })),
      );
      runs.forEach((r, i) => expect(r).toMatchObject({ code: i, stdout: `out ${i}\n`, stderr: `err ${i}\n` }));
    }
    // Four launchers at most; the steps beyond them were spawned by Node.
    if (p) expect(p.pids().length).toBeLessThanOrEqual(4);
  });
});

describe('launchers', () => {
  it('are not used with BB_EXECUTOR_SPAWN=node', () => {
    expect(LauncherPool.create({ max: 1 }, { ...process.env, BB_EXECUTOR_SPAWN: 'node' })).toBeUndefined();
    expect(LauncherPool.create({ max: 1 }, launcherEnv)).toBeDefined();
  });

  it('a launcher dying mid-step: the step ends with launcherLost, its processes are stopped, a new launcher runs the next', async () => {
    const p = pool(1);
    const cwd = dir('lost');
    const running = run(p, sh('sleep 1000 & echo $! > bg.pid; wait'), { cwd });
    await waitFor('the step to run', () => existsSync(join(cwd, 'bg.pid')) && readFileSync(join(cwd, 'bg.pid'), 'utf8').trim() !== '');
    const [launcher] = p.pids();
    expect(launcher).toBeGreaterThan(1);
    process.kill(launcher!, 'SIGKILL');
    const r = await running;
    expect(r).toMatchObject({ launcherLost: true, code: null, signal: 'SIGKILL', timedOut: false, aborted: false });
    const bg = Number(readFileSync(join(cwd, 'bg.pid'), 'utf8').trim());
    await waitFor('the orphaned step to be stopped', () => !alive(bg), 10_000);
    expect(await run(p, sh('echo fine'))).toMatchObject({ code: 0, stdout: 'fine\n' });
    expect(p.pids()).not.toContain(launcher);
  });

  it('an idle launcher that died is replaced', async () => {
    const p = pool(1);
    expect(await run(p, sh('echo one'))).toMatchObject({ stdout: 'one\n' });
    const [launcher] = p.pids();
    process.kill(launcher!, 'SIGKILL');
    await waitFor('the launcher to be gone', () => !p.pids().includes(launcher!));
    expect(await run(p, sh('echo two'))).toMatchObject({ code: 0, stdout: 'two\n' });
  });

  it('reuses a launcher for step after step, and stops them all on stop()', async () => {
    const p = pool(2);
    await run(p, sh('true'));
    const [launcher] = p.pids();
    for (let i = 0; i < 5; i++) expect(await run(p, sh(`echo ${i}`))).toMatchObject({ stdout: `${i}\n` });
    expect(p.pids()).toEqual([launcher]);
    p.stop();
    await waitFor('the launcher to end on its stdin', () => !alive(launcher!), 10_000);
    // After stop, steps are spawned by Node.
    expect(await run(p, sh('echo after'))).toMatchObject({ code: 0, stdout: 'after\n' });
  });

  it("end on their stdin's end when the executor is killed -9", async () => {
    const dist = (m: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, `../../dist/executor/${m}.js`)).href);
    const script = `
      import { LauncherPool } from ${dist('launcher')};
      import { runProcessGroup } from ${dist('proc')};
      const launchers = LauncherPool.create({ max: 2 });
      const step = { file: '/bin/sh', args: ['-c', 'echo ok'], cwd: '/', env: process.env, timeoutMs: 10000, killGraceMs: 100, signal: new AbortController().signal, onOutput() {}, launchers };
      await Promise.all([runProcessGroup(step), runProcessGroup(step)]);
      console.log(launchers.pids().join(' '));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: launcherEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    const pids = (await waitFor('the launchers to run', () => out.includes('\n') && out.trim().split(' ').map(Number))) as number[];
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    // sh -c SCRIPT bb-launch DIR ID
    const fifoDir = readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0')[4]!;
    expect(fifoDir).toContain('bb-launch-');
    expect(existsSync(fifoDir)).toBe(true);
    child.kill('SIGKILL');
    await waitFor('the launchers to end', () => !pids.some(alive), 10_000);
    // They remove their FIFOs and the directory on the way out.
    await waitFor('the FIFO directory to go', () => !existsSync(fifoDir), 10_000);
  });

  it('a program removed between the check and exec is still a spawnError', async () => {
    const p = pool(1);
    const prog = join(scratch, 'vanishing');
    writeFileSync(prog, '#!/bin/sh\n');
    chmodSync(prog, 0o755);
    // The step's cd fails instead: the same mapping (the launcher's own message, exit 127).
    const r = await run(p, [prog], { cwd: join(scratch, 'no-such-dir') });
    expect(r.spawnError).toBeDefined();
    expect(r.spawnError!.message).toContain('bb-launch: ');
  });
});
