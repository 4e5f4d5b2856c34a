import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';

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
  const seen = await monitor(url);
  return {
    async stop() {
      const owners = socketOwners(Number(new URL(url).port || 6379));
      const lines = seen.stop();
      const out: CommandCount = { master: 0, executor: 0, lua: 0, top: [] };
      const by = new Map<string, number>();
      const dump: string[] = [];
      for (const { cmd, source, args } of lines) {
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

type Monitored = { cmd: string; source: string; args: string[] };

/**
 * MONITOR over a plain socket. (ioredis' monitor() resolves its MONITOR in a later tick, so lines
 * that arrive in the same packet as the OK reach its command queue and fail the connection with
 * "Command queue state error" on a busy server.) Each line is `+<time> [<db> <source>] "cmd" "arg"…`.
 */
function monitor(url: string): Promise<{ stop(): Monitored[] }> {
  const u = new URL(url);
  const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379) });
  const seen: Monitored[] = [];
  let pending = '';
  let oks = 0;
  const want = u.password ? 2 : 1;
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\r\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (line.startsWith('-')) return reject(new Error(`MONITOR refused: ${line.slice(1)}`));
        if (oks < want) {
          if (line === '+OK' && ++oks === want) resolve({ stop: () => (socket.destroy(), seen) });
          continue;
        }
        const m = /^\+\S+ \[\d+ (\S+)\] (.*)$/.exec(line);
        if (!m) continue;
        const args = m[2]!.slice(1, -1).split('" "').map((a) => a.replace(/\\"/g, '"'));
        seen.push({ cmd: String(args[0]).toLowerCase(), source: m[1]!, args });
      }
    });
    const auth = u.password ? [u.username ? `AUTH ${decodeURIComponent(u.username)} ${decodeURIComponent(u.password)}` : `AUTH ${decodeURIComponent(u.password)}`] : [];
    socket.write([...auth, 'MONITOR'].map((c) => `${c}\r\n`).join(''));
  });
}
