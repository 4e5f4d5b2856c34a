import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

/**
 * BullMQ, loaded with `require`. It is CommonJS (some 170 files, re-exported from one index), and
 * an ESM `import` of it first has Node's CommonJS lexer parse every re-exported file to learn the
 * export names: twice the time of `require` (a master's start, `bb force`). The rest of the code
 * imports BullMQ from here.
 */
const bullmq = createRequire(import.meta.url)('bullmq') as typeof BullMQ;

export const { Queue, QueueEvents, Worker, UnrecoverableError, WaitingError } = bullmq;
export type Queue = BullMQ.Queue;
export type QueueEvents = BullMQ.QueueEvents;
export type Worker = BullMQ.Worker;
export type Job<T = any> = BullMQ.Job<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type JobsOptions = BullMQ.JobsOptions;
