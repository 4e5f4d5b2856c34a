import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Cheap step starts on Linux. libuv forks the whole executor for every `spawn` (its page tables
 * are copied and thrown away again by `exec`), which cost the executor about 1 ms of CPU per step
 * and blocked its event loop meanwhile. A launcher is a long-running `/bin/sh` that the executor
 * spawns once (detached: it leads a process group of its own) and then asks, one step at a time,
 * to fork itself (a small process) and `exec` the step's program.
 *
 * The launcher reads one request a line from its stdin: shell text (every value single-quoted,
 * newlines as "$nl") that `cd`s, `export`s the step's own environment additions and `exec`s the
 * program, run in a FOREGROUND subshell (a background one would start the step with SIGINT and
 * SIGQUIT ignored, as POSIX asks of a shell without job control) with stdout and stderr on a FIFO
 * pair of this launcher and stdin on /dev/null; then it writes `E <status>` on its stdout. A long
 * request (over REQUEST_INLINE_MAX bytes: dash's `read` takes a system call per byte) goes through
 * a file that the line sources. The executor opens the FIFOs' read ends (non-blocking) before it
 * sends the request: Linux reports no hang-up on a FIFO that no writer has opened yet.
 *
 * Launchers die on their stdin's end (the executor stopped or was killed). A launcher whose
 * process group was signalled (timeout, stop, hand-back), that died, or whose step left a process
 * holding the output FIFOs is not used again; the next step gets a new one.
 */

export interface LaunchRequest {
  file: string;
  args: string[];
  cwd: string;
  /** The step's whole environment. */
  env: NodeJS.ProcessEnv;
}

/** A launcher running one step. */
export interface LaunchedStep {
  /** The launcher's pid: its process group is the step's. */
  pgid: number;
  stdout: Socket;
  stderr: Socket;
  /** The step's status as the shell saw it (its exit code, 128+n if killed by signal n). */
  onStatus(cb: (status: number) => void): void;
  /** The launcher died before it reported a status. */
  onLost(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** The group was signalled: never reuse this launcher. */
  markKilled(): void;
  /** The step is over: outputs both ended (the launcher may be reused) or not. */
  release(outputsEnded: boolean): void;
}

const SHELL = '/bin/sh';
const NAME_OK = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REQUEST_INLINE_MAX = 400;

// $1: the launchers' private directory, $2: this one's id. The step's redirections open the FIFOs.
// On its stdin's end (also when the executor was killed) it removes its files, and the directory if empty.
const SCRIPT = `nl='
'
o="$1/o$2" e="$1/e$2" r="$1/r$2"
mkfifo -m 600 -- "$o" "$e" || exit 1
echo R
while IFS= read -r l; do
(eval "$l") >"$o" 2>"$e" </dev/null
echo "E $?"
done
rm -f -- "$o" "$e" "$r"
rmdir -- "$1" 2>/dev/null`;

/** Single-quoted for the launcher: one line, so a newline becomes '"$nl"'. */
function q(text: string): string {
  return `'${text.replace(/'/g, `'\\''`).replace(/\n/g, `'"$nl"'`)}'`;
}

/** `spawn <file> ENOENT` as Node's spawn would say it. */
function spawnError(file: string, args: string[], code: 'ENOENT' | 'EACCES'): Error {
  return Object.assign(new Error(`spawn ${file} ${code}`), { errno: code === 'ENOENT' ? -2 : -13, code, syscall: `spawn ${file}`, path: file, spawnargs: args });
}

function executableError(path: string): 'ENOENT' | 'EACCES' | undefined {
  try {
    accessSync(path, constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'ENOENT' : 'EACCES';
  }
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ? 'EACCES' : undefined;
}

/** What `exec` would fail with, looked up as execvp does (on the step's PATH): checked before the step is sent. */
export function programError(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Error | undefined {
  if (file === '') return spawnError(file, args, 'ENOENT');
  if (file.includes('/')) {
    const code = executableError(resolve(cwd, file));
    return code ? spawnError(file, args, code) : undefined;
  }
  let denied = false;
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const code = executableError(resolve(cwd, dir || '.', file));
    if (!code) return undefined;
    if (code === 'EACCES') denied = true;
  }
  return spawnError(file, args, denied ? 'EACCES' : 'ENOENT');
}

interface Launcher {
  id: number;
  child: ChildProcess;
  pid: number;
  env: NodeJS.ProcessEnv;
  out: string;
  err: string;
  req: string;
  /** True once it runs; false if it could not start (no shell, no mkfifo), undefined if it was killed while starting. */
  ready: Promise<boolean | undefined>;
  alive: boolean;
  busy: boolean;
  killed: boolean;
  status?: (status: number) => void;
  lost?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface LauncherPoolOptions {
  /** Launchers at most (the executor's slots); a step beyond that is spawned directly. */
  max: number;
  onWarning?(message: string, err?: unknown): void;
}

/**
 * The executor's launchers, created as steps need them and reused. `create` returns undefined where
 * launchers are not used (not Linux, no /bin/sh, `BB_EXECUTOR_SPAWN=node`, or an environment
 * name a shell cannot carry); steps then use Node's spawn, as they do whenever `launch` says no.
 */
export class LauncherPool {
  private readonly idle: Launcher[] = [];
  private readonly all = new Set<Launcher>();
  private nextId = 1;
  private dir: string | undefined;
  private broken = false;
  private stopped = false;

  static create(o: LauncherPoolOptions, env: NodeJS.ProcessEnv = process.env): LauncherPool | undefined {
    if (process.platform !== 'linux' || env.BB_EXECUTOR_SPAWN === 'node') return undefined;
    if (executableError(SHELL)) return undefined;
    // dash drops environment entries whose names are no shell variables: such steps need spawn.
    if (Object.keys(process.env).some((k) => !NAME_OK.test(k))) return undefined;
    return new LauncherPool(o);
  }

  private constructor(private readonly o: LauncherPoolOptions) {}

  /** Launchers alive now (for tests). */
  pids(): number[] {
    return [...this.all].filter((l) => l.alive).map((l) => l.pid);
  }

  /**
   * Start a step on a launcher, or undefined when this step must be spawned by Node instead (no
   * launcher free or startable, an environment name a shell cannot carry). A program that cannot
   * be started gives `{ error }`.
   */
  async launch(r: LaunchRequest): Promise<LaunchedStep | { error: Error } | undefined> {
    if (this.broken || this.stopped) return undefined;
    let l = this.idle.pop();
    while (l && !l.alive) l = this.idle.pop();
    if (!l) {
      if (this.all.size >= this.o.max) return undefined;
      l = this.start();
      if (!l) return undefined;
    }
    this.hold(l, true);
    const ready = await l.ready;
    if (!ready) {
      this.hold(l, false);
      if (ready === false && !this.broken) {
        this.broken = true;
        this.o.onWarning?.(`could not start a step launcher (${SHELL}); steps are spawned by Node from now on`);
      }
      return undefined;
    }
    const request = this.request(l, r);
    const error = request === undefined ? undefined : programError(r.file, r.args, r.cwd, r.env);
    if (request === undefined || error || !l.alive) {
      this.hold(l, false);
      if (l.alive && !this.stopped) this.idle.push(l);
      return error ? { error } : undefined;
    }
    let fo: number | undefined;
    let fe: number | undefined;
    try {
      fo = openSync(l.out, constants.O_RDONLY | constants.O_NONBLOCK);
      fe = openSync(l.err, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      if (fo !== undefined) closeSync(fo);
      this.o.onWarning?.('could not open a step launcher FIFO', err);
      this.retire(l);
      return undefined;
    }
    const stdout = new Socket({ fd: fo, readable: true, writable: false });
    const stderr = new Socket({ fd: fe, readable: true, writable: false });
    if (request.length > REQUEST_INLINE_MAX) {
      writeFileSync(l.req, request);
      l.child.stdin!.write(`. "$r"\n`);
    } else l.child.stdin!.write(`${request}\n`);
    const launcher = l;
    return {
      pgid: l.pid,
      stdout,
      stderr,
      onStatus: (cb) => (launcher.status = cb),
      onLost: (cb) => (launcher.lost = cb),
      markKilled: () => (launcher.killed = true),
      release: (outputsEnded) => {
        launcher.status = undefined;
        launcher.lost = undefined;
        this.hold(launcher, false);
        // A process still holding the FIFOs would write into the next step's log: a new launcher
        // (new FIFOs, and a process group of its own) for the next step. Those processes live on.
        if (!outputsEnded || launcher.killed || !launcher.alive || this.stopped) this.retire(launcher);
        else this.idle.push(launcher);
      },
    };
  }

  /** The request's shell text: cd, the environment's changes from the launcher's, exec. Undefined: not expressible. */
  private request(l: Launcher, r: LaunchRequest): string | undefined {
    let env = '';
    let unset = '';
    for (const k in r.env) {
      const v = r.env[k];
      if (v === undefined || v === l.env[k]) continue;
      if (!NAME_OK.test(k)) return undefined;
      env += ` ${k}=${q(v)}`;
    }
    for (const k in l.env) {
      if (r.env[k] === undefined) {
        if (!NAME_OK.test(k)) return undefined;
        unset += ` ${k}`;
      }
    }
    let text = `cd -- ${q(r.cwd)} || exit 127;`;
    if (unset) text += ` unset${unset};`;
    if (env) text += ` export${env};`;
    text += ` exec ${q(r.file)}`;
    for (const a of r.args) text += ` ${q(a)}`;
    return text;
  }

  private start(): Launcher | undefined {
    this.dir ??= mkdtempSync(join(tmpdir(), 'bb-launch-'));
    const id = this.nextId++;
    const env = { ...process.env };
    // dash drops environment entries whose names are no shell variables: such steps need spawn.
    if (Object.keys(env).some((k) => !NAME_OK.test(k))) return undefined;
    let child: ChildProcess;
    try {
      child = spawn(SHELL, ['-c', SCRIPT, 'bb-launch', this.dir, String(id)], { cwd: '/', env, detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
    } catch (err) {
      this.o.onWarning?.('could not start a step launcher', err);
      return undefined;
    }
    let markReady: (ok: boolean | undefined) => void = () => {};
    const l: Launcher = {
      id,
      child,
      pid: child.pid ?? -1,
      env,
      out: join(this.dir, `o${id}`),
      err: join(this.dir, `e${id}`),
      req: join(this.dir, `r${id}`),
      ready: new Promise<boolean | undefined>((r) => (markReady = r)),
      alive: child.pid !== undefined,
      busy: false,
      killed: false,
    };
    this.all.add(l);
    // Idle launchers must not keep the executor's process alive (see hold).
    this.hold(l, false);
    (child.stdin as unknown as Socket).unref();
    child.stdin!.on('error', () => undefined);
    let buf = '';
    child.stdout!.setEncoding('latin1').on('data', (t: string) => {
      buf += t;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'R') markReady(true);
        else if (line.startsWith('E ')) {
          const cb = l.status;
          l.status = undefined;
          l.lost = undefined;
          cb?.(Number(line.slice(2)));
        }
      }
    });
    const gone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!l.alive) return;
      l.alive = false;
      markReady(signal ? undefined : false);
      this.all.delete(l);
      const i = this.idle.indexOf(l);
      if (i >= 0) this.idle.splice(i, 1);
      this.removeFifos(l);
      const cb = l.lost;
      l.lost = undefined;
      l.status = undefined;
      cb?.(code, signal);
    };
    child.on('error', () => gone(null, null));
    child.on('exit', gone);
    if (!l.alive) markReady(false);
    return l;
  }

  /** A busy launcher keeps the process alive (a step waits for it), an idle one does not. */
  private hold(l: Launcher, busy: boolean): void {
    l.busy = busy;
    if (busy) {
      l.child.ref();
      (l.child.stdout as Socket).ref();
    } else {
      l.child.unref();
      (l.child.stdout as Socket).unref();
    }
  }

  private retire(l: Launcher): void {
    const i = this.idle.indexOf(l);
    if (i >= 0) this.idle.splice(i, 1);
    // Its stdin's end makes the launcher leave its loop; one in a step finishes the step first.
    l.child.stdin?.end();
    this.all.delete(l);
  }

  private removeFifos(l: Launcher): void {
    for (const p of [l.out, l.err, l.req]) rmSync(p, { force: true });
  }

  /** Launchers end (after a step they are running, if any); a launch afterwards spawns instead. */
  stop(): void {
    this.stopped = true;
    for (const l of [...this.all]) this.retire(l);
    this.idle.length = 0;
    if (this.dir && this.all.size === 0) rmSync(this.dir, { recursive: true, force: true });
  }
}
