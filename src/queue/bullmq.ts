import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import { deferRequire } from '../util/defer-require.js';

/**
 * BullMQ, loaded with `require`. It is CommonJS (some 170 files, re-exported from one index), and
 * an ESM `import` of it first has Node's CommonJS lexer parse every re-exported file to learn the
 * export names: twice the time of `require` (a master's start, `bb force`). The rest of the code
 * imports BullMQ from here.
 */
const require = createRequire(import.meta.url);
const main = require.resolve('bullmq');
/**
 * Parts of BullMQ loaded at its start that bb never calls wait until something uses them
 * (src/util/defer-require.ts): cron-parser with luxon (job schedulers: bb keeps its own timers)
 * and the Postgres backend (bb's queues are in Redis). About 1.5 MiB of heap and 30 modules.
 */
deferRequire(main, 'cron-parser', 'object');
for (const part of ['create-postgres-backend', 'postgres-connection', 'postgres-queue-backend', 'postgres-relay-backend', 'migrator', 'migrations', 'pg-types']) {
  deferRequire(main, `./postgres/${part}`, 'object');
}
const bullmq = require('bullmq') as typeof BullMQ;

export const { Queue, QueueEvents, Worker, UnrecoverableError, WaitingError } = bullmq;
export type Queue = BullMQ.Queue;
export type QueueEvents = BullMQ.QueueEvents;
export type Worker = BullMQ.Worker;
export type Job<T = any> = BullMQ.Job<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type JobsOptions = BullMQ.JobsOptions;
