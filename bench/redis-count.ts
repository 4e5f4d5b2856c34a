import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';

export interface CommandCount {
  master: number;
  executor: number;
  /** Commands run by Lua scripts (BullMQ's and bb's), not sent over the wire. */
  lua: number;
  /** The commands sent most by the master and executors, with their counts. */
  top: Array<[string, number]>;
}

/**
 * Counts the Redis commands the master and executor processes send, from now until `stop()`, with
 * MONITOR. Each monitored command names its client's address; `ss -tnp` says which process owns
 * that socket (commands from other processes, such as the bench itself, are left out).
 */
export async function countCommands(url: string, pids: { master: number; executor: number[] }): Promise<{ stop(): Promise<CommandCount> }> {
  const redis = new Redis(url);
  const monitor = await redis.monitor();
  const seen: Array<{ cmd: string; source: string; args: string[] }> = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    seen.push({ cmd: String(args[0]).toLowerCase(), source, args });
  });
  return {
    async stop() {
      const owners = socketOwners(Number(new URL(url).port || 6379));
      monitor.disconnect();
      redis.disconnect();
      const out: CommandCount = { master: 0, executor: 0, lua: 0, top: [] };
      const by = new Map<string, number>();
      const dump: string[] = [];
      for (const { cmd, source, args } of seen) {
        if (source === 'lua') {
          out.lua += 1;
          continue;
        }
        const pid = owners.get(source.replace(/^\[?/, ''));
        const role = pid === pids.master ? 'master' : pid !== undefined && pids.executor.includes(pid) ? 'executor' : undefined;
        if (!role) continue;
        out[role] += 1;
        if (process.env.BENCH_MONITOR_LOG) dump.push(`${role} ${source} ${args.map((a) => String(a).slice(0, 60)).join(' ')}`);
        by.set(cmd, (by.get(cmd) ?? 0) + 1);
      }
      if (process.env.BENCH_MONITOR_LOG) writeFileSync(process.env.BENCH_MONITOR_LOG, dump.join('\n'));
      out.top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 8);
      return out;
    },
  };
}

/** `ip:port` of each local TCP socket connected to Redis's port → the pid holding it. */
function socketOwners(port: number): Map<string, number> {
  const owners = new Map<string, number>();
  const r = spawnSync('ss', ['-tnpH', `dport = :${port}`], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    const pid = /pid=(\d+)/.exec(line)?.[1];
    if (local && pid) owners.set(local, Number(pid));
  }
  return owners;
}
