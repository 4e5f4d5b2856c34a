import { z } from 'zod';
import type { MasterConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { TimedState } from '../model/timed.js';
import { ActionError } from '../actions/error.js';

/** `bb scheduler list|enable|disable`, through the control queue. */
export const schedulerRequestSchema = z.discriminatedUnion('action', [
  z.object({ v: z.literal(1), type: z.literal('scheduler'), action: z.literal('list') }),
  z.object({
    v: z.literal(1),
    type: z.literal('scheduler'),
    action: z.enum(['enable', 'disable']),
    name: z.string().min(1).max(100),
    /** Who asked: a user name, chat identity or `cli:<unix user>`. */
    owner: z.string().max(200),
    reason: z.string().max(300).optional(),
  }),
]);
export type SchedulerRequest = z.input<typeof schedulerRequestSchema>;

export class SchedulerSwitchError extends ActionError {}

/** One scheduler as `bb scheduler list` shows it. */
export interface SchedulerInfo {
  name: string;
  type: string;
  builders: string[];
  enabled: boolean;
  /** Who switched it off, when and why. */
  disabledBy?: string;
  disabledAt?: number;
  reason?: string;
  /** Periodic and nightly: the next fire, and the last BuildSet made (epoch ms and id). */
  next?: number;
  lastBuild?: number;
  lastBuildset?: number;
  /** Nightly: the zone its fields are read in. */
  timezone?: string;
}

export interface SchedulerSwitchContext {
  store: Store;
  config: MasterConfig;
  /** Stored clocks of the periodic and nightly schedulers. */
  timedStates(): Promise<Map<string, TimedState>>;
  /** A scheduler was switched back on (change schedulers re-arm the timers of what waited). */
  resumed(name: string): Promise<void>;
}

export type SchedulerReply = { schedulers: SchedulerInfo[] } | { scheduler: string; enabled: boolean; changed: boolean };

/**
 * List the schedulers, or switch one on or off. A switched-off scheduler makes no BuildSets: change
 * schedulers ignore the changes that arrive meanwhile (those that waited from before stay waiting),
 * periodic and nightly ones let their fires pass, and force builds through it are refused.
 */
export async function schedulerControl(ctx: SchedulerSwitchContext, input: unknown): Promise<SchedulerReply> {
  const parsed = schedulerRequestSchema.safeParse(input);
  if (!parsed.success) throw new SchedulerSwitchError(parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  const req = parsed.data;
  if (req.action === 'list') return { schedulers: await list(ctx) };
  const s = ctx.config.schedulers.find((x) => x.name === req.name);
  if (!s) throw new SchedulerSwitchError(`unknown scheduler "${req.name}" (known: ${ctx.config.schedulers.map((x) => x.name).join(', ') || 'none'})`);
  const enabled = req.action === 'enable';
  const changed = await ctx.store.schedulers.switch({ scheduler: s.name, enabled, by: req.owner, at: Date.now(), ...(req.reason ? { reason: req.reason } : {}) });
  if (changed && enabled) await ctx.resumed(s.name);
  return { scheduler: s.name, enabled, changed };
}

async function list(ctx: SchedulerSwitchContext): Promise<SchedulerInfo[]> {
  const [off, clocks] = await Promise.all([ctx.store.schedulers.disabled(), ctx.timedStates()]);
  return ctx.config.schedulers.map((s) => {
    const d = off.get(s.name);
    const c = clocks.get(s.name);
    return {
      name: s.name,
      type: s.type,
      builders: s.builders,
      enabled: !d,
      ...(d ? { disabledBy: d.by, disabledAt: d.at, ...(d.reason ? { reason: d.reason } : {}) } : {}),
      ...(c?.next !== undefined ? { next: c.next } : {}),
      ...(c?.lastBuild !== undefined ? { lastBuild: c.lastBuild } : {}),
      ...(c?.lastBuildset !== undefined ? { lastBuildset: c.lastBuildset } : {}),
      ...(s.type === 'nightly' ? { timezone: s.timezone } : {}),
    };
  });
}
