import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from 'node:http';
import { PipelineFixture, SECRET_A, SECRET_B } from '../harness/pipeline.js';
import { waitFor } from '../harness/bb.js';
import type { Build } from '../../src/model/build.js';
import { testConfig, type TestConfig } from '../harness/config.js';
import { StoredProblems } from '../../src/problems/actions.js';

const config = testConfig({
  title: 'webtest',
  titleUrl: 'https://ci.example.org',
  http: { host: '127.0.0.1', port: 0 },
  executors: [{ name: 'a', secret: SECRET_A }],
  builders: [
    { name: 'linux', executors: ['a'], category: 'os', steps: [
      { type: 'shell', name: 'compile', command: 'printf "\\033[31mred <b>bold</b>\\033[0m plain\\nwarner@example.org wrote\\nno newline at end"' },
      { type: 'shell', name: 'test', command: 'cp BASEDIR/results.tap results.tap && ! grep -q "^not ok" results.tap', testResults: { format: 'tap', path: 'results.tap' } },
    ] },
  ],
  schedulers: [{ type: 'single-branch', name: 'trunk', branch: 'main', treeStableTimer: 0.2, builders: ['linux'] }, { type: 'force', name: 'force', builders: ['linux'] }],
  // quietHours off: the reminders go at once whatever the hour the test runs (22:00-08:00 would hold them).
  problems: { confirm: false, hassle: { quietHours: false } },
});
function fetchText(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Test 1's builder also writes a JUnit report whose failing case printed something (its output is shown, escaped). */
const withJUnit: TestConfig = {
  ...config,
  builders: [{
    ...config.builders[0]!,
    steps: [...config.builders[0]!.steps, {
      type: 'shell', name: 'junit',
      command: `printf '<testsuite name="j"><testcase name="j_fails"><failure message="bad"/><system-out>dialing &lt;script&gt;db&lt;/script&gt;</system-out></testcase></testsuite>' > j.xml`,
      testResults: { format: 'junit', path: 'j.xml' },
    }],
  }],
};

describe('web pages against a real master and executor', () => {
  let fx: PipelineFixture;
  afterEach(async () => fx?.close());

  it('the build page shows steps, coloured escaped logs, the failing test first, changes without emails; raw log; console; change; buildset', async () => {
    fx = await PipelineFixture.create('web', withJUnit);
    mkdirSync(join(fx.dir, 'master'), { recursive: true });
    writeFileSync(join(fx.dir, 'master', 'results.tap'), 'TAP version 13\n1..2\nok 1 - passes\nnot ok 2 - <img src=x onerror=alert(1)>\n');
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const finished: Build[] = [];
    fx.store.bus.on('build.finished', (b) => finished.push(b));
    await fx.client.sendChange({ author: 'Eve <eve@example.org>', comments: '<script>alert(1)</script> fix', revision: 'abc123', branch: 'main' });
    await waitFor('the build to finish', () => finished.length > 0, 60_000);
    const port = master.http!.address!.port;

    const page = await fetchText(port, '/builders/linux/builds/1');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<span class="res r-FAILURE">FAILURE</span>');
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; fix');
    expect(page.body).not.toContain('eve@example.org');
    expect(page.body).toContain('eve@…');
    expect(page.body).toContain('<span class="f1">red &lt;b&gt;bold&lt;/b&gt;</span> plain');
    expect(page.body).toContain('id="s0L3"');
    // A failing test's own output, after its message, escaped.
    expect(page.body).toMatch(/<td>j_fails<\/td>.*<pre class="msg">bad<\/pre><details class="out"><summary>output<\/summary><pre class="msg">dialing &lt;script&gt;db&lt;\/script&gt;<\/pre><\/details>/);
    expect(JSON.parse((await fetchText(master.http!.address!.port, '/api/builders/linux/builds/1')).body).tests).toContainEqual(expect.objectContaining({ name: 'j_fails', output: 'dialing <script>db</script>' }));
    expect(page.body).not.toContain('warner@example.org');

    const rawLog = await fetchText(port, '/builders/linux/builds/1/steps/compile/log.txt');
    expect(rawLog.status).toBe(200);
    expect(rawLog.body).toContain('\x1b[31mred <b>bold</b>');
    expect(rawLog.body).toContain('warner@… wrote\nno newline at end');

    const log = await fetchText(port, '/builders/linux/builds/1/steps/0/log?q=plain');
    expect(log.body).toContain('2 lines containing');

    const home = await fetchText(port, '/');
    expect(home.body).toContain('href="/builders/linux/builds/1"');
    expect(home.body).toContain('#1 fail');
    expect((await fetchText(port, '/builders/linux')).body).toContain('Builds (1)');
    expect((await fetchText(port, '/changes/1')).body).toContain('&lt;script&gt;');
    await fx.client.sendChange({ author: 'A <a@example.org>', comments: 'x', revision: 'def456', branch: 'side', revlink: 'javascript:alert(1)' });
    await fx.client.sendChange({ author: 'A <a@example.org>', comments: 'y', revision: 'fed789', branch: 'side', revlink: 'https://git.example.org/c/fed789' });
    await waitFor('two more changes', async () => (await fx.store.getChange(3)) !== null);
    const bad = (await fetchText(port, '/changes/2')).body;
    expect(bad).toContain('<td>def456</td>');
    expect(bad).not.toContain('javascript:');
    expect((await fetchText(port, '/changes/3')).body).toContain('<a href="https://git.example.org/c/fed789" rel="noopener noreferrer nofollow">fed789</a>');
    expect((await fetchText(port, '/buildsets/1')).body).toContain('BuildSet 1');
    expect((await fetchText(port, '/builders/nope/builds/3')).status).toBe(404);
    expect((await fetchText(port, '/static/bb.js')).status).toBe(200);
    expect((await fetchText(port, '/healthz')).body).toContain('ok');
  }, 120_000);

  it('a test added failing is marked new on the build page, where a regression is not', async () => {
    fx = await PipelineFixture.create('webnew', config);
    mkdirSync(join(fx.dir, 'master'), { recursive: true });
    const results = join(fx.dir, 'master', 'results.tap');
    writeFileSync(results, 'TAP version 13\n1..2\nok 1 - old one\nok 2 - old two\n');
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const finished: Build[] = [];
    fx.store.bus.on('build.finished', (b) => finished.push(b));
    await fx.client.sendChange({ author: 'Eve <eve@example.org>', comments: 'first', revision: 'aaa111', branch: 'main' });
    await waitFor('build 1 to finish', () => finished.length > 0, 60_000);
    // Build 2: 'old two' regresses and 'brand new' is added failing.
    writeFileSync(results, 'TAP version 13\n1..3\nok 1 - old one\nnot ok 2 - old two\nnot ok 3 - brand new\n');
    await fx.client.sendChange({ author: 'Eve <eve@example.org>', comments: 'second', revision: 'bbb222', branch: 'main' });
    await waitFor('build 2 to finish', () => finished.length > 1, 60_000);
    const page = (await fetchText(master.http!.address!.port, '/builders/linux/builds/2')).body;
    expect(page).toContain('New failing tests (the previous build did not run them; not a regression, no Problem): brand new</p>');
    const rowOf = (name: string) => page.split('<tr').find((r) => r.includes(`<td>${name}</td>`)) ?? '';
    expect(rowOf('brand new')).toContain('<span class="new"');
    expect(rowOf('old two')).toContain('fail');
    expect(rowOf('old two')).not.toContain('<span class="new"');
  });

  it('Problems board and page, tiers, tree, packages, and the JSON API (paginated, no emails, no tokens)', async () => {
    // A packages builder (its executor never connects, so its build stays queued): /tiers marks it.
    const withPackages: TestConfig = {
      ...config,
      executors: [...config.executors!, { name: 'p', secret: SECRET_B }],
      builders: [...config.builders, { name: 'package', executors: ['p'], steps: [{ type: 'shell', name: 'dists', command: 'true' }] }],
      packages: { builder: 'package' },
    };
    fx = await PipelineFixture.create('webprob', withPackages);
    mkdirSync(join(fx.dir, 'master'), { recursive: true });
    const tap = (fail: boolean) => writeFileSync(join(fx.dir, 'master', 'results.tap'), `TAP version 13\n1..1\n${fail ? 'not ok' : 'ok'} 1 - t_flappy\n`);
    const master = await fx.startMaster();
    await fx.startExecutor('a', SECRET_A);
    const finished: Build[] = [];
    fx.store.bus.on('build.finished', (b) => finished.push(b));
    const build = async (fail: boolean, rev: string) => {
      tap(fail);
      const before = finished.length;
      await fx.client.sendChange({ author: `Dev ${rev} <dev${rev}@example.org>`, comments: `change ${rev}`, revision: rev, branch: 'main' });
      await waitFor(`build of ${rev}`, () => finished.length > before, 60_000);
    };
    await build(false, 'aaa111');
    await build(true, 'bbb222');
    await waitFor('a Problem', async () => (await fetchText(master.http!.address!.port, '/api/problems')).body.includes('t_flappy'), 30_000);
    const port = master.http!.address!.port;
    // The ladder's first level (a DM to the guilty, who has no chat here) is logged at once.
    await waitFor('the first reminder logged', async () => JSON.parse((await fetchText(port, '/api/problems/1')).body).log.length > 0, 30_000);

    const board = await fetchText(port, '/problems');
    expect(board.status).toBe(200);
    expect(board.body).toContain('tap.t_flappy');
    expect(board.body).toContain('href="/problems/1"');
    expect(board.body).toMatch(/<td>devbbb222<br><span class="mute">responsible:<\/span> devbbb222<\/td>/);
    expect(board.body).toMatch(/L2 <time [^>]*>[^<]*<\/time> to devbbb222 by dm, channel/);
    expect(board.body).toContain('not acked');
    // The reminder log, its latest entries with a link to the whole of it on the Problem's page.
    const first = JSON.parse((await fetchText(port, '/api/problems/1')).body).log[0] as { step: string; to: string; via: string; outcome: string };
    expect(board.body).toMatch(new RegExp(`<td class="rlog">${first.step} <time [^>]*>[^<]*</time> to ${first.to} by ${first.via}: ${first.outcome}<br>`));
    expect(board.body).toMatch(/<a href="\/problems\/1#log">(1 entry|all \d+)<\/a>/);
    expect(board.body).toContain('<th>guilty / responsible / interested</th>');
    const one = await fetchText(port, '/problems/1');
    expect(one.body).toContain('Problem 1');
    expect(one.body).toContain('<code>aaa111</code>..<code>bbb222</code>');
    expect(one.body).toContain('<h2 id="log">Reminder log</h2>');
    expect((await fetchText(port, '/problems/99')).status).toBe(404);

    const tiers = await fetchText(port, '/tiers');
    expect(tiers.body).toMatch(/<td><a href="\/builders\/linux">linux<\/a><\/td><td>supported<\/td>/);
    expect(tiers.body).toMatch(/<td><a href="\/builders\/package">package<\/a><\/td><td>supported — <span class="mute">the packages builder: never gates<\/span><\/td>/);
    expect(tiers.body.match(/never gates<\/span>/g)).toHaveLength(1);
    // A demotion shows with who, why and until when; the builder is then unsupported.
    await master.tiers!.demote({ builder: 'linux', by: 'warner', reason: 'vm <rebuilt>', forMs: 3_600_000 });
    const demoted = await fetchText(port, '/tiers');
    expect(demoted.body).toMatch(/<td><a href="\/builders\/linux">linux<\/a><\/td><td>unsupported<\/td>.*demoted by warner: vm &lt;rebuilt&gt;, until <time datetime="[^"]+">/s);
    expect((await fetchText(port, '/builders/linux')).body).toContain('vm &lt;rebuilt&gt;');
    await master.tiers!.promote({ builder: 'linux', by: 'warner' });
    // The package build waits for executor p: /builders/package lists the pending request (reason, priority) and p never seen.
    const pkg = (await fetchText(port, '/builders/package')).body;
    expect(pkg).toMatch(/<h2>Pending requests \(1\)<\/h2>.*<td>\d+<\/td><td><a href="\/buildsets\/\d+">\d+<\/a><\/td><td>[^<]*aaa111[^<]*<\/td><td>-?\d+<\/td>/s);
    expect(pkg).toMatch(/<td>p<\/td><td><span class="res r-FAILURE">never seen<\/span><\/td>/);
    const lin = (await fetchText(port, '/builders/linux')).body;
    expect(lin).toMatch(/<td><a href="\/builders\/linux\/builds\/2">#2<\/a><\/td><td><span class="res r-FAILURE">FAILURE<\/span><\/td><td><code>bbb222<\/code><\/td><td>Dev bbb222 &lt;devbbb222@…&gt;<\/td><td>\d+s<\/td><td>trunk: 1 change on main<\/td>/);
    expect(lin).toMatch(/<td>a<\/td><td><span class="res r-SUCCESS">connected<\/span><\/td>/);
    // Ack, then snooze: the board shows each, with who (and until when).
    const actions = new StoredProblems(fx.store, master.config, () => Date.now());
    await actions.ack(1, 'devbbb222');
    expect((await fetchText(port, '/problems')).body).toMatch(/acked<\/span> by devbbb222/);
    await actions.snooze(1, 'devbbb222', 3_600_000);
    expect((await fetchText(port, '/problems')).body).toMatch(/snoozed<\/span> by devbbb222 until <time /);
    const tree = await fetchText(port, '/tree');
    expect(tree.body).toMatch(/Tree <span class="res r-FAILURE">closed<\/span>/);
    // aaa111 passed on linux, the one gating builder: its package build waits for executor p.
    const packages = await waitFor('the package of aaa111 on /packages', async () => {
      const r = await fetchText(port, '/packages');
      return r.body.includes('<code>aaa111</code>') ? r : null;
    }, 30_000);
    expect(packages.status).toBe(200);
    expect(packages.body).toMatch(/<td><code>aaa111<\/code><\/td>.*<a href="\/builders\/linux\/builds\/1">linux#1<\/a>.*<td>running<\/td>/);

    const list = JSON.parse((await fetchText(port, '/api/builders/linux/builds?limit=1')).body);
    expect(list).toMatchObject({ total: 2, offset: 0, limit: 1 });
    expect(list.builds).toHaveLength(1);
    expect(list.builds[0].number).toBe(2);
    expect(list.builds[0].token).toBeUndefined();
    const older = JSON.parse((await fetchText(port, '/api/builders/linux/builds?limit=1&offset=1')).body);
    expect(older.builds[0].number).toBe(1);
    const detail = await fetchText(port, '/api/builders/linux/builds/2');
    expect(detail.headers['content-type']).toContain('application/json');
    expect(detail.body).not.toContain('@example.org');
    expect(JSON.parse(detail.body).tests[0]).toMatchObject({ name: 't_flappy', outcome: 'fail' });
    const log = JSON.parse((await fetchText(port, '/api/builders/linux/builds/2/steps/compile/log?limit=2')).body);
    expect(log).toMatchObject({ step: 0, name: 'compile', start: 1, more: true, next: 3 });
    expect(log.lines).toHaveLength(2);
    const prob = JSON.parse((await fetchText(port, '/api/problems/1')).body);
    expect(prob.problem.subjects[0].name).toBe('t_flappy');
    expect(prob.next).toBeDefined();
    expect(JSON.parse((await fetchText(port, '/api/tree')).body).tree.open).toBe(false);
    expect((await fetchText(port, '/api/nothing')).status).toBe(404);
    // Every path of the README's JSON API table answers the shape it documents.
    const shapes: Array<[string, string[]]> = [
      ['/api/builders', ['builders']],
      ['/api/builders/linux/builds?offset=0&limit=50', ['total', 'offset', 'limit', 'builds']],
      ['/api/builders/linux/builds/2', ['build', 'tests', 'changes']],
      ['/api/builders/linux/builds/2/steps/1/log?start=1&limit=1000', ['step', 'name', 'start', 'lines', 'more', 'next']],
      ['/api/changes/1', ['change']],
      ['/api/buildsets/1', ['buildset', 'requests', 'builds']],
      ['/api/problems?state=open', ['state', 'offset', 'limit', 'problems']],
      ['/api/problems?state=recent&offset=0&limit=10', ['state', 'offset', 'limit', 'problems']],
      ['/api/problems/1', ['problem', 'next', 'log', 'botName']],
      ['/api/problems/1/tests', ['id', 'state', 'headline', 'count', 'tests', 'steps']],
      ['/api/status?builder=linux&last=3', ['master', 'guardrails', 'lastPrune', 'builders']],
      ['/api/tiers', ['builders']],
      ['/api/tree', ['tree']],
      ['/api/packages?limit=5', ['packages']],
    ];
    for (const [path, keys] of shapes) {
      const r = await fetchText(port, path);
      expect(r.status, path).toBe(200);
      const json = JSON.parse(r.body) as Record<string, unknown>;
      for (const k of keys) expect(json, `${path} has ${k}`).toHaveProperty(k);
      expect(r.body, path).not.toMatch(/dev\w+@example\.org/);
    }
    const [b0] = (JSON.parse((await fetchText(port, '/api/builders')).body) as { builders: Array<Record<string, unknown>> }).builders;
    expect(Object.keys(b0!)).toEqual(expect.arrayContaining(['name', 'tier', 'category', 'executors', 'last']));
    expect(JSON.parse((await fetchText(port, '/api/tree')).body).tree).toEqual(expect.objectContaining({ open: false, reasons: expect.any(Array), responsible: expect.any(Array) }));

    const metrics = await fetchText(port, '/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('bb_builds_finished_total{builder="linux",result="SUCCESS"} 1');
    expect(metrics.body).toContain('bb_builds_finished_total{builder="linux",result="FAILURE"} 1');
    expect(metrics.body).toContain('bb_builds_started_total{builder="linux"} 2');
    expect(metrics.body).toContain('bb_changes_received_total{source="sendchange"} 2');
    expect(metrics.body).toContain('bb_build_duration_seconds_count{builder="linux"} 2');
    expect(metrics.body).toContain('bb_pending_requests{builder="linux"} 0');
    expect(metrics.body).toContain('bb_executors_connected 1');
    expect(metrics.body).toContain('bb_problems_total{event="opened"} 1');
    expect(metrics.body).toMatch(/bb_reminders_total\{via="none",outcome="(failed|undeliverable)"\} [1-9]/);
    expect(metrics.body).toMatch(/bb_redis_roundtrip_seconds \d/);
    const health = await fetchText(port, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, redis: { ok: true }, chat: [] });

    // The fix passes: Problem 1 leaves the open list for "Recently resolved". A Problem whose
    // confirming rerun passed (written as the detector writes it) is listed under "Flaky".
    const before = await fetchText(port, '/problems');
    expect(before.body).toMatch(/<h2>Flaky<\/h2>[^]*?none/);
    await build(false, 'ccc333');
    await waitFor('Problem 1 resolved', async () => (await fx.store.problems.get(1))?.state === 'resolved', 30_000);
    const p1 = (await fx.store.problems.get(1))!;
    const { id: _id, ...fields } = p1;
    const flaky = await fx.store.problems.create({ ...fields, key: `${p1.key}|flaky-copy`, state: 'flaky', flakyAt: Date.now(), resolvedAt: undefined }, 'problem.flaky');
    const sectionOf = (body: string, h: string) => body.split(`<h2>${h}</h2>`)[1]!.split('<h2>')[0]!;
    const after = await waitFor('the board to show both', async () => {
      const r = await fetchText(port, '/problems');
      return sectionOf(r.body, 'Flaky').includes(`href="/problems/${flaky.id}"`) ? r : null;
    }, 30_000);
    expect(sectionOf(after.body, 'Open (0)')).not.toContain('href="/problems/1"');
    expect(sectionOf(after.body, 'Recently resolved')).toMatch(/<td><a href="\/problems\/1">[^]*tap\.t_flappy[^]*<time /);
    expect(sectionOf(after.body, 'Recently resolved')).not.toContain(`href="/problems/${flaky.id}"`);
    expect(sectionOf(after.body, 'Flaky')).toMatch(/tap\.t_flappy[^]*<time /);
  }, 180_000);
});
