import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from './redis.js';
import { freePort } from '../../src/util/net.js';
import { waitFor } from './bb.js';

/**
 * Build machines of their own on this one: each "host" is a network namespace (`ip netns add`)
 * joined to this machine by a veth pair, with its own address; a Redis started here listens on
 * loopback and on this side of every link, so a process in a namespace reaches it only over its
 * link. `cut()` / `restore()` take the link down and up (`ip link set … down`). Needs root (the
 * tests run as root here and in CI); `ip` failing is an error, never a skip.
 */
export interface NetnsHost {
  ns: string;
  /** This machine's address on the link (where Redis listens for that host). */
  hostSide: string;
  /** The host's own address. */
  address: string;
  /** Run a command inside the namespace: prefix for spawn. */
  wrap: string[];
  cut(): void;
  restore(): void;
}

export interface NetnsLab {
  hosts: NetnsHost[];
  /** redis://<host side of that host's link>:port */
  redisUrlFor(h: NetnsHost): string;
  redisLocalUrl: string;
  stop(): Promise<void>;
}

function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`\`ip ${args.join(' ')}\` failed: ${(e.stderr ?? e.message).trim()} (these tests need root and iproute2's \`ip netns\`)`);
  }
}

/** `count` namespaces, each on its own /30 link in 10.216.<n>.0 (addresses that exist only inside this sandbox's namespaces). */
export async function startNetnsLab(count: number): Promise<NetnsLab> {
  const tag = randomBytes(2).toString('hex');
  const base = 1 + (randomBytes(1)[0]! % 200);
  const hosts: NetnsHost[] = [];
  const made: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const ns = `bb-${tag}-${i}`;
      const outer = `bbv${tag}${i}h`;
      const inner = `bbv${tag}${i}n`;
      const net = `10.216.${base + i}`;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
      ip('link', 'set', inner, 'netns', ns);
      ip('addr', 'add', `${net}.1/30`, 'dev', outer);
      ip('link', 'set', outer, 'up');
      ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${net}.2/30`, 'dev', inner);
      ip('netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
      ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
      hosts.push({
        ns,
        hostSide: `${net}.1`,
        address: `${net}.2`,
        wrap: ['ip', 'netns', 'exec', ns],
        cut: () => void ip('link', 'set', outer, 'down'),
        restore: () => void ip('link', 'set', outer, 'up'),
      });
    }
  } catch (err) {
    for (const ns of made) ip('netns', 'del', ns);
    throw err;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bb-netns-redis-'));
  const redis: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', ...hosts.map((h) => h.hostSide), '--dir', dir, '--save', '', '--appendonly', 'yes',
      '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log'),
      // No password here: protected mode would refuse every client that is not on loopback. The
      // server listens only on loopback and this side of the test's own links.
      '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  const local = `redis://127.0.0.1:${port}`;
  await waitFor('redis on loopback and the links', () => redisAnswers(local), 10_000);
  return {
    hosts,
    redisUrlFor: (h) => `redis://${h.hostSide}:${port}`,
    redisLocalUrl: local,
    async stop() {
      if (redis.exitCode === null && redis.signalCode === null) {
        await new Promise<void>((r) => {
          redis.once('exit', () => r());
          redis.kill('SIGKILL');
        });
      }
      // Deleting a namespace deletes its end of the veth pair, and with it this end.
      for (const h of hosts) ip('netns', 'del', h.ns);
    },
  };
}
