import { z } from 'zod';
import { RESULTS } from '../model/results.js';
import { stepSpecSchema } from '../model/steps.js';
import { changeInputSchema } from '../model/change.js';

/**
 * The versioned records that travel on BullMQ queues between the master, executors and the CLI.
 * Both ends validate them with these schemas; a record that does not parse is unrecoverable.
 * Bump JOB_VERSION on any incompatible change.
 */
export const JOB_VERSION = 1 as const;

/** Queue names (BullMQ forbids ':' in them). All live under the configured key prefix. */
export const QUEUES = {
  /** Changes from sendchange, pollers and webhooks, for the master to store. */
  changes: 'changes',
  /** Tree-stable timers (delayed, deduplicated jobs) and other scheduler timers. */
  timers: 'timers',
  /**
   * What executors of earlier versions told the master on one shared queue; the master still
   * reads it. Executors now use one queue each (executorEventsQueueName), so that Redis ACLs can
   * keep each executor to its own keys.
   */
  executorEvents: 'executor-events',
  /** Control requests from the CLI to the master (force builds and the like). */
  control: 'control',
} as const;

/** The queue on which the master hands jobs to one executor. */
export function executorQueueName(executor: string): string {
  return `exec.${executor}`;
}

/** Everything one executor tells the master: hello, heartbeats, build progress and results. */
export function executorEventsQueueName(executor: string): string {
  return `events.${executor}`;
}

/**
 * The Redis Stream (a full key, under the prefix) on which one executor sends the master every
 * signed message: one entry each, the JSON of `{payload, sig}` in field STREAM_FIELD (read by
 * src/queue/event-stream.ts). It lies under the executor's own queues' key pattern (its ACL).
 */
export function executorEventsStreamKey(prefix: string, executor: string): string {
  return `${prefix}:${executorEventsQueueName(executor)}:stream`;
}

/** The field of an event-stream entry that holds the signed message. */
export const STREAM_FIELD = 'm';

/** The queue of control messages (stop a build) from the master to one executor. */
export function executorControlQueueName(executor: string): string {
  return `ctl.${executor}`;
}

// ---- CLI / change sources -> master --------------------------------------------------------

export const changeJobSchema = z.object({
  v: z.literal(JOB_VERSION),
  change: changeInputSchema,
});
export type ChangeJob = z.input<typeof changeJobSchema>;

// ---- master -> executor --------------------------------------------------------------------

export const patchSchema = z.object({
  body: z.string().max(10 * 1024 * 1024),
  level: z.number().int().min(0).max(20),
  subdir: z.string().optional(),
});

export const jobSourceStampSchema = z.object({
  repository: z.string(),
  branch: z.string().optional(),
  revision: z.string().optional(),
  project: z.string(),
  patch: patchSchema.optional(),
});

export const buildJobPayloadSchema = z.object({
  v: z.literal(JOB_VERSION),
  buildId: z.number().int().positive(),
  /** Proves later events belong to this attempt; the master ignores events without it. */
  token: z.string().min(16),
  executor: z.string(),
  /**
   * The executor session (process) the master gave this job to: any other process, including the
   * same executor restarted, refuses it, so a job replayed to a restarted executor never runs.
   */
  session: z.string().min(8),
  builder: z.string(),
  number: z.number().int().positive(),
  /** Directory name under the executor's base dir where this builder's work tree lives. */
  workdir: z.string(),
  sourcestamp: jobSourceStampSchema,
  steps: z.array(stepSpecSchema).min(1),
  properties: z.record(z.string(), z.unknown()),
  issuedAt: z.number().int(),
  /** An executor refuses a job received after this time (ms since the epoch). */
  expiresAt: z.number().int(),
});
export type BuildJobPayload = z.output<typeof buildJobPayloadSchema>;

/** A job as it sits on an executor's queue: the payload and the master's HMAC of it. */
export const signedBuildJobSchema = z.object({
  payload: z.unknown(),
  sig: z.string(),
});
export type SignedBuildJob = z.output<typeof signedBuildJobSchema>;

/** Stop one running build; signed like a build job. The executor ends it as CANCELLED. */
export const stopBuildPayloadSchema = z.object({
  v: z.literal(JOB_VERSION),
  type: z.literal('stop'),
  buildId: z.number().int().positive(),
  token: z.string().min(16),
  executor: z.string(),
  /** Shown as the build's text: who stopped it and why. */
  text: z.string().max(500),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
});
export type StopBuildPayload = z.output<typeof stopBuildPayloadSchema>;

// ---- executor -> master --------------------------------------------------------------------

const resultSchema = z.enum(RESULTS);
const buildRef = { buildId: z.number().int().positive(), token: z.string() };

export const testCaseSchema = z.object({
  suite: z.string(),
  name: z.string(),
  file: z.string().max(1000).optional(),
  outcome: z.enum(['pass', 'fail', 'error', 'skip']),
  durationMs: z.number().nonnegative().optional(),
  message: z.string().max(8192).optional(),
  output: z.string().max(8192).optional(),
  flaky: z.boolean().optional(),
});

export const executorEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    /** Builders this executor is willing to run (the master intersects with its config). */
    builders: z.array(z.string()).optional(),
    slots: z.number().int().positive().max(256),
    /** How often it sends heartbeats; the master warns when its timeout leaves room for fewer than three. */
    heartbeatMs: z.number().int().positive().optional(),
    version: z.string(),
    hostname: z.string(),
    /** Build ids it is still running (non-empty only after a reconnect, not a restart). */
    running: z.array(z.number().int()),
    /**
     * It takes jobs from its job list (src/queue/job-list.ts) when the master's session record says
     * so. Masters of earlier versions drop the field and put jobs on the BullMQ queue, which such an
     * executor then works as before.
     */
    jobList: z.boolean().optional(),
  }),
  z.object({ type: z.literal('heartbeat'), running: z.array(z.number().int()) }),
  /** The executor is shutting down: it takes no new job, and goodbye follows once its builds end. */
  z.object({ type: z.literal('stopping'), handBack: z.boolean() }),
  z.object({ type: z.literal('goodbye'), reason: z.string().optional() }),
  /** `at`: when the executor started it, by its clock (the master keeps it within dispatch..receipt). */
  z.object({ type: z.literal('build-started'), ...buildRef, at: z.number().int().optional() }),
  z.object({ type: z.literal('step-started'), ...buildRef, step: z.number().int().nonnegative(), name: z.string() }),
  z.object({
    type: z.literal('log'),
    ...buildRef,
    step: z.number().int().nonnegative(),
    stream: z.enum(['stdout', 'stderr', 'header']),
    text: z.string(),
  }),
  z.object({
    type: z.literal('step-finished'),
    ...buildRef,
    step: z.number().int().nonnegative(),
    result: resultSchema,
    text: z.string().optional(),
  }),
  z.object({ type: z.literal('properties'), ...buildRef, properties: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('tests'), ...buildRef, step: z.number().int().nonnegative(), tests: z.array(testCaseSchema) }),
  z.object({ type: z.literal('build-finished'), ...buildRef, result: resultSchema, text: z.string().optional() }),
  /** A job the executor would not run (bad signature, expired, wrong executor, bad schema). */
  z.object({ type: z.literal('job-refused'), jobId: z.string(), reason: z.string() }),
]);
export type ExecutorEvent = z.output<typeof executorEventSchema>;

/** An executor event about one build (as opposed to the executor's own hello, heartbeat, …). */
export type BuildEvent = Exclude<ExecutorEvent, { type: 'hello' | 'heartbeat' | 'stopping' | 'goodbye' | 'job-refused' }>;

const CONTROL_EVENTS = new Set(['hello', 'heartbeat', 'stopping', 'goodbye', 'job-refused']);

export function isBuildEvent(ev: ExecutorEvent): ev is BuildEvent {
  return !CONTROL_EVENTS.has(ev.type);
}

/** What an executor puts on the executor-events queue: a batch of events, signed with its secret. */
export const executorMessagePayloadSchema = z.object({
  v: z.literal(JOB_VERSION),
  executor: z.string(),
  /** Random per executor process start: a new session means the executor restarted. */
  session: z.string().min(8),
  /** Increases by one per message within a session. */
  seq: z.number().int().nonnegative(),
  sentAt: z.number().int(),
  events: z.array(executorEventSchema).min(1),
});
export type ExecutorMessagePayload = z.output<typeof executorMessagePayloadSchema>;

export const signedExecutorMessageSchema = z.object({ payload: z.unknown(), sig: z.string() });
