import { z } from 'zod';
import { USER_NAME_RE } from '../model/user.js';
import { action, by, need } from './action.js';

const problem = z.object({ id: z.number().int().positive(), by });
const TWO_WEEKS = 14 * 86_400_000;

/** What people do about Problems (`ack`, `snooze`, `not me`, `watch problem`, `flaky … off`, `sheriff set`). */
export const PROBLEM_ACTIONS = {
  ack: action({
    summary: 'acknowledge a Problem (reminders pause)',
    input: problem.extend({ note: z.string().max(500).optional() }),
    run: (ctx, i) => need(ctx.problems, 'Problems').ack(i.id, i.by, i.note),
  }),
  snooze: action({
    summary: 'no reminders about a Problem for a while',
    input: problem.extend({ forMs: z.number().int().positive().max(TWO_WEEKS, 'a snooze lasts at most 2w') }),
    run: (ctx, i) => need(ctx.problems, 'Problems').snooze(i.id, i.by, i.forMs),
  }),
  notMe: action({
    summary: 'say a Problem is not yours',
    input: problem.extend({ reason: z.string().max(500).optional() }),
    run: (ctx, i) => need(ctx.problems, 'Problems').notMe(i.id, i.by, i.reason),
  }),
  watchProblem: action({
    summary: 'be told how a Problem goes',
    input: problem,
    run: (ctx, i) => need(ctx.problems, 'Problems').watch(i.id, i.by),
  }),
  flakyOff: action({
    summary: 'stop treating a test as flaky',
    input: z.object({ test: z.string().min(1).max(500), by }),
    run: (ctx, i) => need(ctx.problems, 'Problems').flakyOff(i.test, i.by),
  }),
  sheriff: action({
    summary: "make a bb user this week's sheriff",
    input: z.object({ user: z.string().regex(USER_NAME_RE, 'not a bb user name'), by }),
    run: (ctx, i) => need(ctx.problems, 'Problems').setSheriff(i.user, i.by),
  }),
};
