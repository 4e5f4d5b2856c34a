import { z } from 'zod';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { Build } from '../model/build.js';
import type { TimedState } from '../model/timed.js';
import type { ProblemsApi } from '../problems/actions.js';
import { forceBuild, forceRequestSchema } from '../process/force.js';
import { schedulerControl, schedulerRequestSchema } from '../process/scheduler-switch.js';
import { stopRequestSchema, type StopRequest } from '../process/stop.js';
import { submitTry, tryRequestSchema } from '../process/try.js';
import type { TiersApi } from '../tiers/model.js';
import { userControl, userRequestSchema } from '../users/control.js';
import { ActionError, inputProblem } from './error.js';

/** What actions run against: the master's store and config, and the parts of the master they drive. */
export interface ActionContext {
  store: Store;
  config: MasterConfig;
  /** Stops one build (src/process/stop.ts with the master's queues and secrets). */
  stop(req: StopRequest): Promise<{ build: Build; how: 'withdrawn' | 'stopping' }>;
  /** Stored clocks of the periodic and nightly schedulers. */
  timedStates(): Promise<Map<string, TimedState>>;
  /** A scheduler was switched back on. */
  resumed(name: string): Promise<void>;
  problems?: ProblemsApi;
  tiers?: TiersApi;
}

/** One thing a user can do: its input (checked before it runs) and what it does. */
export interface Action<S extends z.ZodType = z.ZodType> {
  summary: string;
  input: S;
  run(ctx: ActionContext, input: z.output<S>): Promise<unknown>;
}

function action<S extends z.ZodType>(a: Action<S>): Action<S> {
  return a;
}

function need<T>(part: T | undefined, what: string): T {
  if (!part) throw new ActionError(`this master has no ${what}`);
  return part;
}

const problemInput = z.object({ id: z.number().int().positive(), by: z.string().min(1) });

/**
 * Every action, by name: the control queue (`bb force`, `bb stop`, `bb try`, `bb scheduler`,
 * `bb user`) runs them by the request's `type`; chat commands and the web pages can run the same
 * ones. Each refuses with an ActionError only.
 */
export const ACTIONS = {
  force: action({ summary: 'force a build of some builders', input: forceRequestSchema, run: (ctx, input) => forceBuild(ctx.store, ctx.config, input) }),
  stop: action({
    summary: 'stop one build',
    input: stopRequestSchema,
    run: async (ctx, input) => {
      const { build, how } = await ctx.stop(input);
      return { buildId: build.id, number: build.number, how };
    },
  }),
  try: action({ summary: 'build a patch that is not committed', input: tryRequestSchema, run: (ctx, input) => submitTry(ctx.store, ctx.config, input) }),
  scheduler: action({
    summary: 'list the schedulers, or switch one on or off',
    input: schedulerRequestSchema,
    run: (ctx, input) => schedulerControl({ store: ctx.store, config: ctx.config, timedStates: ctx.timedStates, resumed: ctx.resumed }, input),
  }),
  user: action({ summary: 'add, change, link, show, list or remove bb users', input: userRequestSchema, run: (ctx, input) => userControl(ctx.store, input, Date.now(), ctx.config.users.people) }),
  ack: action({
    summary: 'acknowledge a Problem (reminders pause)',
    input: problemInput.extend({ note: z.string().optional() }),
    run: (ctx, i) => need(ctx.problems, 'Problems').ack(i.id, i.by, i.note),
  }),
  snooze: action({
    summary: 'no reminders about a Problem for a while',
    input: problemInput.extend({ forMs: z.number().int().positive().max(14 * 86_400_000) }),
    run: (ctx, i) => need(ctx.problems, 'Problems').snooze(i.id, i.by, i.forMs),
  }),
  notMe: action({ summary: 'say a Problem is not yours', input: problemInput, run: (ctx, i) => need(ctx.problems, 'Problems').notMe(i.id, i.by) }),
  demote: action({
    summary: 'make a supported builder unsupported, for a while or until promoted',
    input: z.object({ builder: z.string().min(1), by: z.string().min(1), reason: z.string().min(1), forMs: z.number().int().positive().optional() }),
    run: (ctx, i) => need(ctx.tiers, 'tiers').demote({ builder: i.builder, by: i.by, reason: i.reason, ...(i.forMs ? { forMs: i.forMs } : {}) }),
  }),
  promote: action({
    summary: 'make an unsupported builder supported again',
    input: z.object({ builder: z.string().min(1), by: z.string().min(1) }),
    run: (ctx, i) => need(ctx.tiers, 'tiers').promote(i),
  }),
  tree: action({
    summary: 'close or open the tree',
    input: z.discriminatedUnion('op', [
      z.object({ op: z.literal('close'), by: z.string().min(1), reason: z.string().min(1) }),
      z.object({ op: z.literal('open'), by: z.string().min(1) }),
    ]),
    run: (ctx, i) => (i.op === 'close' ? need(ctx.tiers, 'tiers').closeTree(i.by, i.reason) : need(ctx.tiers, 'tiers').openTree(i.by)),
  }),
} satisfies Record<string, Action>;

export type ActionName = keyof typeof ACTIONS;

export function isActionName(name: unknown): name is ActionName {
  return typeof name === 'string' && Object.hasOwn(ACTIONS, name);
}

/** Runs action `name` on `raw` input: a request that does not parse is refused with an ActionError. */
export async function runAction(ctx: ActionContext, name: ActionName, raw: unknown): Promise<unknown> {
  const a: Action = ACTIONS[name];
  const parsed = a.input.safeParse(raw);
  if (!parsed.success) throw new ActionError(inputProblem(parsed.error));
  return a.run(ctx, parsed.data);
}

/** What the command line may ask for on the control queue (anyone who can reach Redis is an admin there). */
const CONTROL: ReadonlySet<ActionName> = new Set(['force', 'stop', 'try', 'scheduler', 'user']);

/**
 * A control-queue request (src/queue/client.ts): its `type` names the action; a request without
 * one is a force (the first kind there was). Refusals come back as `{ error }`.
 */
export async function runControl(ctx: ActionContext, request: unknown): Promise<unknown> {
  const type = (request as { type?: unknown } | null)?.type;
  const name: ActionName | null = type === undefined ? 'force' : isActionName(type) && CONTROL.has(type) ? type : null;
  try {
    if (!name) throw new ActionError(`unknown request type ${JSON.stringify(type)}`);
    return await runAction(ctx, name, request);
  } catch (err) {
    if (err instanceof ActionError) return { error: err.message };
    throw err;
  }
}
