import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'node:http';
import { PipelineFixture, SECRET_A } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import { testConfig } from '../harness/config.js';
import { startExecutor } from '../../executor/executor.js';
import type { Build } from '../../src/model/build.js';

/**
 * A build page links to what surrounds the build, on a real master and executor: the other
 * attempts of its request (a build handed back by its executor and retried), the build that
 * superseded it, and the Problem it opened with that Problem's confirming rerun (whose own page
 * links back to the Problem as a rerun).
 */

const config = testConfig({
  title: 'webrel',
  titleUrl: 'https://ci.example.org',
  http: { host: '127.0.0.1', port: 0 },
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], cancelSuperseded: true, steps: [
      { type: 'shell', name: 'test', command: 'while [ ! -f BASEDIR/go ]; do sleep 0.1; done; cp BASEDIR/results.tap results.tap && ! grep -q "^not ok" results.tap', testResults: { format: 'tap', path: 'results.tap' } },
    ] },
  ],
  schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0, builders: ['linux'] }],
});

function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('a build page links to its retries, what superseded it, its Problem and the confirming rerun', () => {
  let fx: PipelineFixture;
  let exec: { stop(o?: { handBack?: boolean }): Promise<void> } | undefined;
  afterEach(async () => {
    await exec?.stop({ handBack: true }).catch(() => undefined);
    await fx?.close();
  });

  it('retried, superseded, Problem and rerun links resolve to the builds they name', async () => {
    fx = await PipelineFixture.create('webrel', config);
    const masterDir = join(fx.dir, 'master');
    mkdirSync(masterDir, { recursive: true });
    const results = (fail: boolean) => writeFileSync(join(masterDir, 'results.tap'), `TAP version 13\n1..1\n${fail ? 'not ok' : 'ok'} 1 - t_rel\n`);
    results(false);
    const master = await fx.startMaster();
    const port = master.http!.address!.port;
    const finished: Build[] = [];
    fx.store.bus.on('build.finished', (b) => finished.push(b));
    const executor = () =>
      startExecutor({ name: 'a', secret: SECRET_A, redisUrl: fx.redisUrl, prefix: fx.prefix, basedir: join(fx.dir, 'executor-a'), slots: 1, heartbeatMs: 500, logger: fx.log });
    const running = (n: number) => waitFor(`linux #${n} running`, async () => (await fx.store.buildByNumber('linux', n))?.state === 'running', 60_000);
    const change = (revision: string) => fx.client.sendChange({ author: `Dev <dev@example.org>`, comments: `change ${revision}`, revision, branch: 'main', files: ['src/a.c'] });

    // #1 runs (waiting for `go`) and is handed back by its executor: RETRY; #2 is the same request again.
    exec = await executor();
    await change('aaa111');
    await running(1);
    await exec.stop({ handBack: true });
    exec = await executor();
    await running(2);
    const one = await fx.store.buildByNumber('linux', 1);
    expect(one).toMatchObject({ result: 'RETRY' });
    // A newer change supersedes the request: #2 is stopped, #3 runs the newer one.
    await change('bbb222');
    await waitFor('linux #2 cancelled', async () => (await fx.store.buildByNumber('linux', 2))?.result === 'CANCELLED', 60_000);
    await running(3);
    writeFileSync(join(masterDir, 'go'), '');
    await waitFor('linux #3 to pass', async () => (await fx.store.buildByNumber('linux', 3))?.result === 'SUCCESS', 60_000);
    // Then a failing change: #4 fails, its confirming rerun #5 fails too, a Problem opens.
    results(true);
    await change('ccc333');
    const problem = await waitFor('the Problem confirmed', async () => {
      const open = await fx.store.problems.open();
      return open[0]?.state === 'confirmed' && open[0].confirmBuildsetId !== undefined && (await fx.store.buildByNumber('linux', 5))?.state === 'finished' ? open[0] : null;
    }, 90_000);

    const page = async (n: number) => {
      const r = await fetchText(port, `/builders/linux/builds/${n}`);
      expect(r.status).toBe(200);
      return r.body.slice(r.body.indexOf('<h2>Related</h2>'), r.body.indexOf('<h2>Changes</h2>'));
    };
    const link = (n: number) => `<a href="/builders/linux/builds/${n}">linux #${n}</a>`;
    expect(await page(1)).toContain(`Other attempts of request ${one!.requestId}: ${link(2)}`);
    expect(await page(2)).toContain(`Other attempts of request ${one!.requestId}: ${link(1)}`);
    expect(await page(2)).toMatch(new RegExp(`Superseded by request \\d+: ${link(3)}`));
    const first = await page(4);
    expect(first).toContain(`<a href="/problems/${problem.id}">Problem ${problem.id}</a> (confirmed, first failed here)`);
    expect(first).toContain(`its confirming rerun: <a href="/buildsets/${problem.confirmBuildsetId}">BuildSet ${problem.confirmBuildsetId}</a>`);
    expect(await page(5)).toContain(`<a href="/problems/${problem.id}">Problem ${problem.id}</a> (confirmed, rerun)`);
    // Every link in the Related section answers 200, and the confirming rerun's BuildSet names build #5.
    for (const n of [1, 2, 4, 5]) {
      for (const [, path] of (await page(n)).matchAll(/href="([^"]+)"/g)) expect((await fetchText(port, path!)).status, path).toBe(200);
    }
    expect((await fetchText(port, `/buildsets/${problem.confirmBuildsetId}`)).body).toContain(`<a href="/builders/linux/builds/5">#5</a>`);
    expect((await fetchText(port, `/problems/${problem.id}`)).body).toContain(`href="/buildsets/${problem.confirmBuildsetId}"`);
  }, 240_000);
});
