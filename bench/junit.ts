/**
 * Test results benchmark: writes a JUnit report of many cases (default 50,000, one in 97 failing),
 * then parses it as the executor does (a worker thread for a big file) while a timer on the main
 * thread measures the longest stall of the event loop; for comparison it also parses it on the
 * main thread. Prints the figures.
 *
 *   npm run bench:junit
 *   BENCH_CASES=200000 npm run bench:junit
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJUnit } from '../executor/junit.js';
import { parseTestsOffThread } from '../executor/parse-off-thread.js';

const N = Number(process.env.BENCH_CASES ?? 50_000);

/** A JUnit report of `n` cases in suites of 100. */
export function junitReport(n: number): string {
  const parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="bench">'];
  for (let s = 0; s * 100 < n; s++) {
    parts.push(`<testsuite name="suite${s}">`);
    for (let i = 0; i < 100 && s * 100 + i < n; i++) {
      const k = s * 100 + i;
      if (k % 97 === 0) parts.push(`<testcase classname="pkg.Class${s}" name="test_${i}" time="0.010"><failure message="expected 1 but was 2" type="AssertionError">at Class${s}.java:${i}</failure></testcase>`);
      else parts.push(`<testcase classname="pkg.Class${s}" name="test_${i}" time="0.010"/>`);
    }
    parts.push('</testsuite>');
  }
  parts.push('</testsuites>');
  return parts.join('\n');
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-bench-junit-'));
  try {
    const file = join(dir, 'report.xml');
    const xml = junitReport(N);
    writeFileSync(file, xml);
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const t0 = performance.now();
    const tests = await parseTestsOffThread('junit', file, 'report.xml');
    const offMs = performance.now() - t0;
    clearInterval(ticker);
    const t1 = performance.now();
    const inline = parseJUnit(xml);
    const inMs = performance.now() - t1;
    const failed = tests.filter((t) => t.outcome === 'fail').length;
    if (tests.length !== N || inline.length !== N) throw new Error(`parsed ${tests.length} / ${inline.length} cases, wrote ${N}`);
    console.log(`junit: ${N} cases (${(xml.length / 1e6).toFixed(1)} MB, ${failed} failing)`);
    console.log(`junit: worker thread: ${offMs.toFixed(0)} ms in all; longest main-thread stall meanwhile ${longest.toFixed(0)} ms (timer every 5 ms)`);
    console.log(`junit: on the main thread: ${inMs.toFixed(0)} ms blocked`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
export { main };
