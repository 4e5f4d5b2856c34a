import { z } from 'zod';
import { DURATION_HINT, parseDuration } from '../model/duration.js';

const duration = z.string().refine((v) => parseDuration(v) !== null, DURATION_HINT).transform((v) => parseDuration(v)!);

/** 500 → `500ms`, 1500 → `1.5s`, 1 200 000 → `20m`: how a duration is named in an error. */
function shown(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * `leader`: the lease timing of several masters on one prefix (README "Running several masters").
 * A standby takes over at most `lease` + `poll` after the leader's last renewal.
 */
export const leaderSchema = z
  .object({
    /** How long the leader's lease lasts without a renewal: a frozen or cut-off leader is replaced after it. Default 6s. */
    lease: duration.default(6000),
    /** How often the leader renews it; at most a third of `lease`, so two renewals in a row may fail. Default 2s. */
    renew: duration.default(2000),
    /** How often a standby tries to take the lease. Default 1s. */
    poll: duration.default(1000),
  })
  .strict()
  .superRefine((l, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (l.lease < 1000) issue('lease', `must be at least 1s (a lease shorter than a Redis hiccup makes the masters take turns); got ${shown(l.lease)}`);
    if (l.lease > 600_000) issue('lease', `must be at most 10m (a dead leader is replaced only after it); got ${shown(l.lease)}`);
    if (l.renew < 100) issue('renew', `must be at least 100ms; got ${shown(l.renew)}`);
    if (l.renew * 3 > l.lease) {
      issue('renew', `must be at most a third of leader.lease (${shown(l.lease)}: at most ${shown(Math.floor(l.lease / 3))}), so that two renewals in a row can fail before the lease lapses; got ${shown(l.renew)}`);
    }
    if (l.poll < 100) issue('poll', `must be at least 100ms; got ${shown(l.poll)}`);
    if (l.poll > l.lease) issue('poll', `must be at most leader.lease (${shown(l.lease)}): every takeover waits for a standby's next poll; got ${shown(l.poll)}`);
  })
  .prefault({});

export type LeaderConfig = z.output<typeof leaderSchema>;
