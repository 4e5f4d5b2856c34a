import { spawn } from 'node:child_process';
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
}

export interface GroupRunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the program could not be started at all. */
  spawnError?: Error;
}

/** How long output pipes may stay open after the main process exited (a backgrounded child). */
const DRAIN_AFTER_EXIT_MS = 1000;

/**
 * Run a program as the leader of a new process group. On timeout or abort the whole group gets
 * SIGTERM, then SIGKILL after `killGraceMs`, so grandchildren (`sleep &` in a script) die too.
 * Resolves once the leader exited and its output was read (or stopped being waited for).
 */
export function runProcessGroup(o: GroupRunOptions): Promise<GroupRunResult> {
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
