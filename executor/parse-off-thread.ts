import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TestCaseResult } from '../src/model/build.js';
import { TestResultsError } from './junit.js';
import type { ParseJob } from './parse-worker.js';

/** Cases per message from the worker: small enough that copying one in stays a few ms (see bench/junit.ts). */
const CHUNK = 500;

/**
 * Parses a test results file in a worker thread, so a report of tens of thousands of cases does
 * not stop the executor's event loop (heartbeats, logs, other builds) while it is read. The worker
 * runs the compiled parse-worker.js beside this module (dist/), or, when this module is the
 * TypeScript source (in-process tests), parse-worker.ts through tsx. A parse error rejects with a
 * `TestResultsError` carrying the parser's message.
 */
export function parseTestsOffThread(format: 'junit' | 'tap', file: string, suite: string): Promise<TestCaseResult[]> {
  const job: ParseJob = { format, file, suite, chunk: CHUNK };
  return new Promise((resolve, reject) => {
    const out: TestCaseResult[] = [];
    let finished = false;
    const worker = import.meta.url.endsWith('.js') ? new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: job }) : tsxWorker(job);
    worker.on('message', (m: { tests?: TestCaseResult[]; done?: true; error?: string }) => {
      if (m.tests) for (const t of m.tests) out.push(t);
      else if (m.done) {
        finished = true;
        resolve(out);
      } else if (m.error !== undefined) {
        finished = true;
        reject(new TestResultsError(m.error));
      }
    });
    worker.on('error', (err) => {
      finished = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (!finished) reject(new Error(`the test results parser stopped (exit ${code}) before it finished`));
    });
  });
}

/** A worker that loads parse-worker.ts through tsx (this module runs as TypeScript source). */
function tsxWorker(job: ParseJob): Worker {
  const body = new URL('./parse-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(body)}); });`;
  return new Worker(boot, { eval: true, workerData: job });
}

/** URL of tsx's ESM register API (its package exports give require the .cjs twin beside it). */
function tsxApi(): string {
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const mjs = cjs.replace(/\.cjs$/, '.mjs');
  return pathToFileURL(existsSync(mjs) ? mjs : cjs).href;
}
