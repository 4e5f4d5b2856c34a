import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ROOT } from '../harness/bb.js';
import { deletePrefix, freshPrefix, testRedis } from '../harness/redis.js';
import { VERSION } from '../../src/version.js';

/** Runs the built `bb` (bin/bb.js → dist/) with a hook that lists every module it loads. */
function runBb(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const list = join(mkdtempSync(join(tmpdir(), 'bb-imports-')), 'modules.txt');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', join(ROOT, 'test/fixtures/record-imports.mjs'), join(ROOT, 'bin/bb.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, BB_RECORD_IMPORTS: list },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('exit', (code) => {
      let modules: string[] = [];
      try {
        modules = readFileSync(list, 'utf8').split('\n').filter(Boolean);
      } catch {
        // nothing loaded after the hook: the list stays empty
      }
      resolve({ code, stdout, stderr, modules });
    });
  });
}

// Chat (IRC, Matrix), the web pages and HTTP hooks, the master, config loading (tsx) and the executor.
const HEAVY = /\/dist\/src\/(chat|web|http|master|process|schedulers|notify|problems|config\/load|demo)\b|\/dist\/executor\/|\/node_modules\/(matrix-bot-sdk|irc-framework|tsx|esbuild|nodemailer|pino)\//;

describe('bb loads only what the command needs', () => {
  const prefix = freshPrefix('cli-imports');
  let url = '';
  afterAll(async () => {
    if (url) await deletePrefix(url, prefix);
  });

  it('bb --version prints the version and loads no command', async () => {
    const r = await runBb(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.modules.some((m) => m.endsWith('/dist/src/cli/main.js'))).toBe(true);
    expect(r.modules.filter((m) => m.includes('/dist/src/cli/commands/'))).toEqual([]);
    expect(r.modules.filter((m) => HEAVY.test(m) || m.includes('/node_modules/bullmq/'))).toEqual([]);
  });

  it('bb sendchange queues a change and loads no BullMQ, ioredis, chat, Matrix, web, master or config code', async () => {
    url = (await testRedis()).url;
    const r = await runBb(['sendchange', '--redis', url, '--prefix', prefix, '--who', 'Brian Warner <warner@example.org>', '-b', 'main', '-r', 'abc123']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^change queued \([0-9a-f-]{36}\)/);
    expect(r.modules.some((m) => m.endsWith('/dist/src/cli/commands/sendchange.js'))).toBe(true);
    // Straight onto the intake list (src/queue/intake.ts, resp.ts): no BullMQ, no ioredis, and not the many job schemas either.
    expect(r.modules.filter((m) => HEAVY.test(m) || /\/node_modules\/(bullmq|ioredis)\//.test(m) || m.endsWith('/dist/src/queue/jobs.js'))).toEqual([]);
    const conn = new Redis(url);
    try {
      expect(await conn.llen(`${prefix}:intake:changes`)).toBe(1);
    } finally {
      conn.disconnect();
    }
  });

  it('bb --help still lists every command', async () => {
    const r = await runBb(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['master', 'executor', 'sendchange', 'force', 'try', 'stop', 'scheduler', 'user', 'status', 'logs', 'prune', 'reconfig', 'check-config', 'demo']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  it('an unknown command is refused with a suggestion', async () => {
    const r = await runBb(['sendchang']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Did you mean sendchange?");
  });

  it('the version is package.json\'s', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
