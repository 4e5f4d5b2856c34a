import { forceBuild, forceRequestSchema } from '../process/force.js';
import { schedulerControl, schedulerRequestSchema } from '../process/scheduler-switch.js';
import { stopRequestSchema } from '../process/stop.js';
import { submitTry, tryRequestSchema } from '../process/try.js';
import { userControl, userRequestSchema } from '../users/control.js';
import { action } from './action.js';

/** What the command line's control queue asks for (`bb force|stop|try|scheduler|user`); chat's force and stop too. */
export const PIPELINE_ACTIONS = {
  force: action({ summary: 'force a build of some builders', input: forceRequestSchema, run: (ctx, input) => forceBuild(ctx.store, ctx.config, input) }),
  stop: action({
    summary: 'stop one build',
    input: stopRequestSchema,
    run: async (ctx, input) => {
      const { build, how } = await ctx.stop(input);
      return { buildId: build.id, number: build.number, how, executor: build.executor };
    },
  }),
  try: action({ summary: 'build a patch that is not committed', input: tryRequestSchema, run: (ctx, input) => submitTry(ctx.store, ctx.config, input) }),
  scheduler: action({
    summary: 'list the schedulers, or switch one on or off',
    input: schedulerRequestSchema,
    run: (ctx, input) => schedulerControl({ store: ctx.store, config: ctx.config, timedStates: ctx.timedStates, resumed: ctx.resumed }, input),
  }),
  user: action({
    summary: 'add, change, link, show, list or remove bb users (the operator, on the command line)',
    input: userRequestSchema,
    run: (ctx, input) => userControl(ctx.store, input, Date.now(), ctx.config.users.people),
  }),
};
