import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { LauncherPool, LaunchedStep } from './launcher.js';
import type { LogStream } from './step-context.js';

export interface GroupRunOptions {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  onOutput(stream: Exclude<LogStream, 'header'>, text: string): void;
  /** Start the program through one of these launchers when it can (Linux); else Node's spawn. */
  launchers?: LauncherPool | undefined;
}

export interface GroupRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the program could not be started at all. */
  spawnError?: Error;
  /** The launcher running the step died before it reported how the step ended (its result is unknown). */
  launcherLost?: boolean;
}

/** How long output pipes may stay open after the main process exited (a backgrounded child). */
const DRAIN_AFTER_EXIT_MS = 1000;

/**
 * Run a program as the leader of a new process group. On timeout or abort the whole group gets
 * SIGTERM, then SIGKILL after `killGraceMs`, so grandchildren (`sleep &` in a script) die too.
 * Resolves once the leader exited and its output was read (or stopped being waited for).
 */
export async function runProcessGroup(o: GroupRunOptions): Promise<GroupRunResult> {
  if (o.launchers) {
    const step = await o.launchers.launch({ file: o.file, args: o.args, cwd: o.cwd, env: o.env });
    if (step && 'error' in step) return { code: null, signal: null, timedOut: false, aborted: o.signal.aborted, spawnError: step.error };
    if (step) return runLaunched(o, step);
  }
  return spawnProcessGroup(o);
}

/** Signal numbers → names, for a shell's 128+n. */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
// The first name of each number (SIGABRT, not SIGIOT), as Node reports it.
for (const [name, n] of Object.entries(constants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name as NodeJS.Signals);

/**
 * A status as a shell reports it: 129..192 (128 + a signal's number) is "killed by that signal",
 * which is what a shell makes of it too (a program that itself exits 130 reads as SIGINT).
 */
export function statusResult(status: number): { code: number | null; signal: NodeJS.Signals | null } {
  const signal = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}

/** The same as spawnProcessGroup, for a step a launcher started (see launcher.ts). */
function runLaunched(o: GroupRunOptions, step: LaunchedStep): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let launcherLost = false;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let open = 2;
    let stderrStart = '';

    const signalGroup = (sig: NodeJS.Signals): boolean => {
      try {
        process.kill(-step.pgid, sig);
        return true;
      } catch {
        return false;
      }
    };
    const terminate = () => {
      if (killTimer) return;
      step.markKilled();
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), o.killGraceMs);
    };
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, o.timeoutMs);
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      o.signal.removeEventListener('abort', onAbort);
      step.stdout.destroy();
      step.stderr.destroy();
      step.release(open === 0);
      const res: GroupRunResult = { code: exit?.code ?? null, signal: exit?.signal ?? null, timedOut, aborted };
      // The launcher's own message (`bb-launch: 1: exec: x: not found`, 127/126): the program could
      // not be started after all (it went away after it was looked up).
      if ((exit?.code === 127 || exit?.code === 126) && stderrStart.startsWith('bb-launch: ')) {
        const code = exit.code === 127 ? 'ENOENT' : 'EACCES';
        res.spawnError = Object.assign(new Error(`spawn ${o.file} ${code}: ${stderrStart.split('\n')[0]}`), { code });
      }
      if (launcherLost) res.launcherLost = true;
      resolve(res);
    };
    const exited = () => {
      // Output may still be buffered; a backgrounded grandchild may hold the FIFOs open forever.
      // When the group is being killed, wait for the SIGKILL to land before giving up on them.
      if (open === 0) return finish();
      drainTimer = setTimeout(finish, killTimer ? o.killGraceMs + DRAIN_AFTER_EXIT_MS : DRAIN_AFTER_EXIT_MS);
    };
    const closed = () => {
      open -= 1;
      if (open === 0 && exit) finish();
    };
    step.stdout.setEncoding('utf8').on('data', (t: string) => o.onOutput('stdout', t));
    step.stderr.setEncoding('utf8').on('data', (t: string) => {
      if (stderrStart.length < 200) stderrStart += t;
      o.onOutput('stderr', t);
    });
    step.stdout.on('close', closed);
    step.stderr.on('close', closed);
    step.stdout.on('error', () => undefined);
    step.stderr.on('error', () => undefined);
    step.onStatus((status) => {
      exit = statusResult(status);
      exited();
    });
    step.onLost((code, signal) => {
      // Killed with its group (a timeout or stop): the step's end is the group's, as with spawn.
      // Else the launcher died by itself: the step's result is unknown; stop what is left of it.
      if (!killTimer) {
        launcherLost = true;
        terminate();
      }
      exit = { code, signal };
      exited();
    });
  });
}

/** Node's spawn: the program leads a new process group. */
function spawnProcessGroup(o: GroupRunOptions): Promise<GroupRunResult> {
  return new Promise((resolve) => {
    const child = spawn(o.file, o.args, { cwd: o.cwd, env: o.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;

    const signalGroup = (sig: NodeJS.Signals): boolean => {
      if (child.pid === undefined) return false;
      try {
        process.kill(-child.pid, sig);
        return true;
      } catch {
        return false;
      }
    };
    const terminate = () => {
      if (killTimer) return;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), o.killGraceMs);
    };
    const onAbort = () => {
      aborted = true;
      terminate();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, o.timeoutMs);
    if (o.signal.aborted) onAbort();
    else o.signal.addEventListener('abort', onAbort, { once: true });

    const finish = (extra: Partial<GroupRunResult> = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ code: exit?.code ?? null, signal: exit?.signal ?? null, timedOut, aborted, ...extra });
    };

    child.stdout?.setEncoding('utf8').on('data', (t: string) => o.onOutput('stdout', t));
    child.stderr?.setEncoding('utf8').on('data', (t: string) => o.onOutput('stderr', t));
    child.on('error', (err) => {
      if (child.pid === undefined) finish({ spawnError: err });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Output may still be buffered; a backgrounded grandchild may hold the pipes open forever.
      // When the group is being killed, wait for the SIGKILL to land before giving up on the pipes.
      const wait = killTimer ? o.killGraceMs + DRAIN_AFTER_EXIT_MS : DRAIN_AFTER_EXIT_MS;
      setTimeout(() => finish(), wait);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}
