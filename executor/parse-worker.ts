/**
 * Worker thread body: reads one test results file, parses it and posts the cases back in chunks
 * (so neither side holds up its event loop long), then `{ done: true }` or `{ error }`.
 * Started by `parseTestsOffThread` (test-results.ts).
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { parseJUnit } from './junit.js';
import { parseTap } from './tap.js';

export interface ParseJob {
  format: 'junit' | 'tap';
  file: string;
  suite: string;
  chunk: number;
}

const job = workerData as ParseJob;
try {
  const text = await readFile(job.file, 'utf8');
  const tests = job.format === 'junit' ? parseJUnit(text) : parseTap(text, job.suite);
  for (let i = 0; i < tests.length; i += job.chunk) parentPort!.postMessage({ tests: tests.slice(i, i + job.chunk) });
  parentPort!.postMessage({ done: true });
} catch (err) {
  parentPort!.postMessage({ error: (err as Error).message, kind: (err as Error).constructor.name });
}
