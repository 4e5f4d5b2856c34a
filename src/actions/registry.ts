import type { z } from 'zod';
import type { Action, ActionContext } from './action.js';
import { ANNOUNCE_ACTIONS } from './announce.js';
import { ActionError, inputProblem } from './error.js';
import { PEOPLE_ACTIONS } from './people.js';
import { PIPELINE_ACTIONS } from './pipeline.js';
import { PROBLEM_ACTIONS } from './problems.js';
import { TIER_ACTIONS } from './tiers.js';

export type { Action, ActionContext } from './action.js';

/**
 * Every action, by name: the one route by which users change anything. The control queue (`bb
 * force`, `bb stop`, `bb try`, `bb scheduler`, `bb user`) runs them by the request's `type`; every
 * chat command that changes state runs one through `BotApi.act` (src/chat/master-api.ts); the web
 * pages would call the same. Each checks its zod input first and refuses with an ActionError only.
 */
export const ACTIONS = {
  ...PIPELINE_ACTIONS,
  ...PROBLEM_ACTIONS,
  ...TIER_ACTIONS,
  ...PEOPLE_ACTIONS,
  ...ANNOUNCE_ACTIONS,
} satisfies Record<string, Action<z.ZodType, unknown>>;

export type ActionName = keyof typeof ACTIONS;
/** What action `N` takes (before its defaults apply). */
export type ActionInput<N extends ActionName> = z.input<(typeof ACTIONS)[N]['input']>;
/** What action `N` answers. */
export type ActionOutput<N extends ActionName> = Awaited<ReturnType<(typeof ACTIONS)[N]['run']>>;

export function isActionName(name: unknown): name is ActionName {
  return typeof name === 'string' && Object.hasOwn(ACTIONS, name);
}

/** Runs action `name` on `raw` input: a request that does not parse is refused with an ActionError. */
export async function runAction<N extends ActionName>(ctx: ActionContext, name: N, raw: unknown): Promise<ActionOutput<N>> {
  const a = ACTIONS[name] as unknown as Action<z.ZodType, ActionOutput<N>>;
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
