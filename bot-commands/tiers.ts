import type { CommandSpec } from '../src/chat/command.js';
import { formatDuration, formatSpan } from '../src/model/duration.js';
import { showRev, type BuilderHealth } from '../src/chat/kit.js';

function line(h: BuilderHealth, now: number): string {
  const state = h.state === 'none' ? 'no builds yet' : `${h.state}${h.since !== undefined ? ` for ${formatSpan(now - h.since)}` : ''}${h.state === 'red' && h.sinceRevision ? ` (since ${showRev(h.sinceRevision)})` : ''}`;
  const o = h.override;
  const why = o ? ` — ${o.tier === 'unsupported' ? 'demoted' : 'promoted'} by ${o.by}${o.reason ? `: ${o.reason}` : ''}${o.until ? ` (until ${formatDuration(Math.ceil(Math.max(0, o.until - now) / 1000) * 1000)} from now)` : ''}` : '';
  return `  ${h.builder}: ${state}${why}`;
}

export const tiersCommand: CommandSpec = {
  name: 'tiers',
  usage: '',
  summary: 'builders by tier (supported, unsupported), green or red and for how long',
  permission: 'anyone',
  readOnly: true,
  maxArgs: 0,
  async run({ api }) {
    const list = await api.tiers.list();
    const now = Date.now();
    const out: string[] = [];
    for (const tier of ['supported', 'unsupported'] as const) {
      const of = list.filter((h) => h.tier === tier);
      out.push(`${tier}: ${of.length ? '' : 'none'}`.trimEnd(), ...of.map((h) => line(h, now)));
    }
    return out;
  },
};
