import { z } from 'zod';
import { action, by, heardIn, need } from './action.js';

const builder = z.string().min(1).max(200);

/** Run-time tiers and the tree (`demote`, `promote`, `tree close`, `tree open`). */
export const TIER_ACTIONS = {
  demote: action({
    summary: 'make a supported builder unsupported, for a while or until promoted',
    input: z.object({ builder, by, reason: z.string().min(1).max(500), forMs: z.number().int().positive().optional(), heardIn }),
    run: (ctx, i) => need(ctx.tiers, 'tiers').demote({ builder: i.builder, by: i.by, reason: i.reason, ...(i.forMs ? { forMs: i.forMs } : {}), ...(i.heardIn ? { heardIn: i.heardIn } : {}) }),
  }),
  promote: action({
    summary: 'make an unsupported builder supported again',
    input: z.object({ builder, by, heardIn }),
    run: (ctx, i) => need(ctx.tiers, 'tiers').promote({ builder: i.builder, by: i.by, ...(i.heardIn ? { heardIn: i.heardIn } : {}) }),
  }),
  tree: action({
    summary: 'close or open the tree (opening says whether someone had closed it)',
    input: z.discriminatedUnion('op', [
      z.object({ op: z.literal('close'), by, reason: z.string().min(1).max(500), heardIn }),
      z.object({ op: z.literal('open'), by, heardIn }),
    ]),
    /** `lifted`: opening lifted a closure made by hand (false: nobody had closed it). */
    run: async (ctx, i): Promise<{ lifted: boolean }> => {
      const tiers = need(ctx.tiers, 'tiers');
      if (i.op === 'open') return { lifted: await tiers.openTree(i.by, i.heardIn) };
      await tiers.closeTree(i.by, i.reason, i.heardIn);
      return { lifted: false };
    },
  }),
};
