import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRedis } from '../../src/data/redis-conn.js';
import { Store } from '../../src/data/store.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BB = join(ROOT, 'bin', 'bb.js');

/** A temp dir for one test's files. */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `bb-${label}-`));
}

/** Write a master config module; `body` is the object literal passed to defineConfig. */
export function writeConfig(dir: string, body: string, name = 'master.ts'): string {
  const path = join(dir, name);
  writeFileSync(path, `import { defineConfig } from ${JSON.stringify(join(ROOT, 'src/config/define.ts'))};\nexport default defineConfig(${body});\n`);
  return path;
}

export interface Proc {
  child: ChildProcess;
  logFile: string;
  log(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Run `bb <args>` as a real process, its output in a log file. */
/** `wrap`: a command that runs bb, e.g. `['ip', 'netns', 'exec', NS]` (it must exec, so the pid is bb's). */
export function spawnBb(args: string[], opts: { env?: Record<string, string>; logDir: string; label: string; wrap?: string[] }): Proc {
  const logFile = join(opts.logDir, `${opts.label}.log`);
  const out = createWriteStream(logFile);
  const [cmd, ...pre] = [...(opts.wrap ?? []), process.execPath];
  const child = spawn(cmd!, [...pre, BB, ...args], {
    cwd: ROOT,
    env: { ...process.env, BB_LOG_LEVEL: 'debug', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  // 'close' comes after the output pipes are drained; the empty write's callback after the log file has every line.
  const exited = new Promise<number | null>((r) =>
    child.once('close', (code) => {
      live.delete(child);
      out.write('', () => r(code));
    }),
  );
  return {
    child,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export function spawnMaster(configPath: string, redisUrl: string, logDir: string, label = 'master'): Proc {
  return spawnBb(['master', '--config', configPath, '--redis', redisUrl], { logDir, label });
}

export function spawnExecutor(
  o: { name: string; secret: string; redisUrl: string; prefix: string; basedir: string; slots?: number; extra?: string[]; wrap?: string[] },
  logDir: string,
): Proc {
  return spawnBb(
    ['executor', '--name', o.name, '--redis', o.redisUrl, '--prefix', o.prefix, '--basedir', o.basedir, '--slots', String(o.slots ?? 1), ...(o.extra ?? [])],
    { logDir, label: `executor-${o.name}`, env: { BB_EXECUTOR_SECRET: o.secret }, ...(o.wrap ? { wrap: o.wrap } : {}) },
  );
}

/** A store on the same Redis and prefix, for assertions. */
export function probe(redisUrl: string, prefix: string): { store: Store; close(): void } {
  const redis = newRedis(redisUrl);
  return { store: new Store(redis, prefix), close: () => redis.disconnect() };
}

/** Poll `fn` until it returns a truthy value; fail with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether a process with this pid still exists (signal 0 tests without touching it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
