import { describe, expect, it } from 'vitest';
import { ActionError } from '../../src/actions/error.js';
import { ACTIONS, runAction, runControl, type ActionContext } from '../../src/actions/registry.js';
import { ForceError } from '../../src/process/force.js';
import { StopError } from '../../src/process/stop.js';
import { TryError } from '../../src/process/try.js';
import { SchedulerSwitchError } from '../../src/process/scheduler-switch.js';
import { UserControlError } from '../../src/users/control.js';
import { TierError } from '../../src/tiers/model.js';
import { ProblemActionError, type ProblemsApi } from '../../src/problems/actions.js';

// Only what these cases reach: input checks refuse before anything touches the store.
const ctx = (over: Partial<ActionContext> = {}): ActionContext =>
  ({ store: null, config: null, stop: () => Promise.reject(new Error('unused')), timedStates: async () => new Map(), resumed: async () => undefined, ...over }) as unknown as ActionContext;

describe('actions (src/actions)', () => {
  it('one user-facing error type: every area refuses with an ActionError', () => {
    for (const E of [ForceError, StopError, TryError, SchedulerSwitchError, UserControlError, TierError, ProblemActionError]) expect(new E('x')).toBeInstanceOf(ActionError);
  });

  it('the control queue refuses unknown types and bad input as { error }, naming the field', async () => {
    expect(await runControl(ctx(), { v: 1, type: 'reboot' })).toEqual({ error: 'unknown request type "reboot"' });
    expect(await runControl(ctx(), { v: 1, type: 'ack', id: 1, by: 'x' })).toEqual({ error: 'unknown request type "ack"' });
    const bad = (await runControl(ctx(), { v: 1, type: 'stop', builder: 'linux' })) as { error: string };
    expect(bad.error).toMatch(/^owner: /);
    const force = (await runControl(ctx(), { v: 1, builders: [] })) as { error: string };
    expect(force.error).toMatch(/type|builders/);
  });

  it('runs an action with its checked input; a missing part is an ActionError', async () => {
    const acked: unknown[] = [];
    const problems = { ack: async (id: number, by: string, note?: string) => acked.push([id, by, note]) } as unknown as ProblemsApi;
    await runAction(ctx({ problems }), 'ack', { id: 3, by: 'warner', note: 'on it' });
    expect(acked).toEqual([[3, 'warner', 'on it']]);
    await expect(runAction(ctx({ problems }), 'ack', { id: -1, by: 'warner' })).rejects.toBeInstanceOf(ActionError);
    await expect(runAction(ctx(), 'demote', { builder: 'mac', by: 'w', reason: 'broken' })).rejects.toThrow('this master has no tiers');
  });

  it('the chat-only actions check their input too, and need the chat parts they act on', async () => {
    const speaker = { transport: 'irc', sender: 'warner', account: 'warner', channel: '#dev', isDirect: false } as const;
    await expect(runAction(ctx(), 'snooze', { id: 1, by: 'w', forMs: 15 * 86_400_000 })).rejects.toThrow('forMs: a snooze lasts at most 2w');
    await expect(runAction(ctx(), 'claim', { speaker: { ...speaker, transport: 'telex' }, user: 'warner' })).rejects.toThrow(/^speaker\.transport: /);
    await expect(runAction(ctx(), 'sheriff', { user: 'no spaces', by: 'w' })).rejects.toThrow('user: not a bb user name');
    await expect(runAction(ctx(), 'notify', { op: 'on', audience: { kind: 'channel', transport: 'irc', channel: '#dev' }, events: ['lunch'] })).rejects.toThrow(/^events\.0: /);
    await expect(runAction(ctx(), 'claim', { speaker, user: 'warner' })).rejects.toThrow('this master has no chat identities');
    await expect(runAction(ctx(), 'mute', { audience: { kind: 'direct', transport: 'irc', user: 'warner' }, muted: true, by: 'warner' })).rejects.toThrow('this master has no chat subscriptions');
    for (const name of ['ack', 'snooze', 'notMe', 'watchProblem', 'flakyOff', 'sheriff', 'demote', 'promote', 'tree', 'claim', 'verify', 'forgetMe', 'mySettings', 'userByAdmin', 'notify', 'mute', 'watch', 'unwatch']) {
      expect(await runControl(ctx(), { v: 1, type: name }), name).toEqual({ error: `unknown request type "${name}"` });
    }
  });

  it('every action has a summary and a zod input', () => {
    for (const [name, a] of Object.entries(ACTIONS)) {
      expect(a.summary, name).toMatch(/\w/);
      expect(typeof a.input.safeParse, name).toBe('function');
    }
  });
});
