import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { ROOT, waitFor } from '../harness/bb.js';
import { freePort } from '../../src/util/net.js';
import { DEMO_AUTHORS, SampleRepo } from '../../src/demo/sample-repo.js';

/**
 * `bb demo` as a user runs it (the compiled bin/bb.js, its chat shell on stdin/stdout): it prints
 * the web address, and the failure it announces in its shell links to a page there that shows the
 * failing test.
 */

function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('bb demo and its web pages', () => {
  let demo: ChildProcessWithoutNullStreams | undefined;
  let out = '';
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail') process.stderr.write(`bb demo printed:\n${out}\n`);
    if (demo && demo.exitCode === null) {
      const exited = new Promise((resolve) => demo!.once('exit', resolve));
      demo.kill('SIGTERM');
      // It stops its executor, master and Redis first; a demo that does not is killed.
      const hard = setTimeout(() => demo!.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(hard);
    }
  }, 60_000);

  it('prints the web address; its failure announcement links to the build page, which shows the failing test', async () => {
    const port = await freePort();
    demo = spawn(process.execPath, [join(ROOT, 'bin', 'bb.js'), 'demo', '--story-interval', '0'], {
      cwd: ROOT,
      env: { ...process.env, BB_DEMO_PORT: String(port), BB_LOG_LEVEL: 'error' },
    });
    out = '';
    demo.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    demo.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the demo ready with its shell', () => (/chat shell: you are in #bb/.test(out) ? true : null), 120_000);
    expect(out).toContain(`web pages: ${base}/`);
    expect((await fetchText(`${base}/`)).status).toBe(200);

    // A breaking commit in the sample repository, then a forced build of its tip: the build fails
    // and the shell hears it, with the link.
    const repoDir = /^sample repository: (.+)$/m.exec(out)?.[1];
    expect(repoDir).toBeDefined();
    new SampleRepo(repoDir!).commit(DEMO_AUTHORS[0], { 'src/net.txt': 'connects\nreconnects\ntimeouts_FAIL\n' }, 'net: add timeouts (breaks a test)');
    demo.stdin.write('bb: force build linux\n');
    const url = await waitFor('the failure announced in #bb with its link', () => new RegExp(`linux #\\d+: FAILURE.*?(${base}/builders/linux/builds/\\d+)`).exec(out)?.[1] ?? null, 120_000);
    const page = await fetchText(url);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<tr class="t-fail">.*timeouts_FAIL/);

    demo.stdin.write('/quit\n');
    // /quit ends it: everything stopped, and the process exits even though its input (a pipe) is still open.
    await waitFor('the demo to exit', () => (demo!.exitCode === 0 ? true : null), 60_000);
    expect(out).toContain('demo stopped');
  }, 300_000);
});
