import { Command } from 'commander';
import { userInfo } from 'node:os';
import { BbClient } from '../../queue/client.js';
import type { SchedulerInfo } from '../../process/scheduler-switch.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';

/** `bb scheduler list|enable NAME|disable NAME`: the per-scheduler switch, kept by the master in Redis. */
export function schedulerCommand(): Command {
  const cmd = new Command('scheduler').description('list the schedulers, or switch one on or off (survives master restarts)');
  cmd.addCommand(
    addConnOptions(new Command('list').description('every scheduler: type, on or off, next and last timed build')).action(async (o: ConnOptions) => {
      const res = await ask<{ schedulers?: SchedulerInfo[]; error?: string }>(o, { action: 'list' });
      if (res.error) throw new CliError(`scheduler list refused: ${res.error}`);
      console.log(formatList(res.schedulers ?? []));
    }),
  );
  for (const action of ['enable', 'disable'] as const) {
    cmd.addCommand(
      addConnOptions(
        new Command(action)
          .description(action === 'enable' ? 'switch a scheduler back on' : 'switch a scheduler off: it makes no BuildSets until enabled')
          .argument('<name>', 'scheduler name')
          .option('--reason <text>', 'why, shown by `bb scheduler list`'),
      ).action(async (name: string, o: ConnOptions & { reason?: string }) => {
        const res = await ask<{ error?: string; changed?: boolean }>(o, {
          action,
          name,
          owner: `cli:${userInfo().username}`,
          ...(o.reason ? { reason: o.reason } : {}),
        });
        if (res.error) throw new CliError(`scheduler ${action} refused: ${res.error}`);
        const state = action === 'enable' ? 'on' : 'off';
        console.log(res.changed ? `scheduler ${name} switched ${state}` : `scheduler ${name} was already ${state}`);
      }),
    );
  }
  return cmd;
}

async function ask<T>(o: ConnOptions, request: Record<string, unknown>): Promise<T> {
  const client = new BbClient(connUrl(o), connPrefix(o));
  try {
    return await client.control<T>({ v: 1, type: 'scheduler', ...request });
  } finally {
    await client.close();
  }
}

function when(ms: number, tz = 'UTC'): string {
  const s = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms));
  return `${s} ${tz}`;
}

/** One line per scheduler, in columns. */
export function formatList(list: SchedulerInfo[]): string {
  if (!list.length) return 'no schedulers are configured';
  const rows = list.map((s) => [
    s.name,
    s.type,
    s.enabled ? 'on' : `off (by ${s.disabledBy ?? '?'}${s.reason ? `: ${s.reason}` : ''})`,
    s.next !== undefined ? `next ${when(s.next, s.timezone)}` : '',
    s.lastBuildset !== undefined && s.lastBuild !== undefined ? `last buildset ${s.lastBuildset} at ${when(s.lastBuild, s.timezone)}` : '',
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
