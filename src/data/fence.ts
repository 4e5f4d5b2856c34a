import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Fencing for leader-only writes (README "Running several masters"). A master that takes part in
 * leader election attaches a Fence to its Db; from then on every transaction a repository opens
 * with `db.multi()` runs as one Lua script that first checks that this master's token is still
 * the newest granted (`db:leader:seq`, moved by every acquisition of the lease `db:leader`), and
 * writes nothing otherwise. A master that was paused past its
 * lease and woke up after another took over is refused at Redis, whatever it still believes.
 */
export class Fence {
  /** This master's fencing token while it leads; null while it stands by. */
  token: string | null = null;
  /** Called when Redis refused a write: another master took the lease (src/process/leadership.ts steps down). */
  onRefused: () => void = () => undefined;

  /** `leaderKey`: the key holding the newest token granted (db:leader:seq). */
  constructor(readonly leaderKey: string) {}
}

/** A leader-only write was refused: this master does not (or no longer) hold the lease. */
export class NotLeaderError extends Error {
  constructor(
    readonly token: string | null,
    readonly holder: string | null,
  ) {
    super(
      token === null
        ? 'this master stands by (another master leads): leader-only writes are refused'
        : `fenced: this master's lease (token ${token}) is gone${holder ? `; token ${holder} leads now` : ''}; the write was refused`,
    );
  }
}

/** Whether `err` is a fencing refusal (from this process, or from the Lua check in Redis). */
export function isNotLeader(err: unknown): err is NotLeaderError {
  return err instanceof NotLeaderError;
}

// KEYS[1] the lease key; ARGV[1] the token; then per command: argc, name, args…
const FENCED_EXEC = `local cur = redis.call('GET', KEYS[1])
if cur ~= ARGV[1] then return redis.error_reply('BBFENCED ' .. tostring(cur)) end
local out = {}
local i = 2
local n = 0
while i <= #ARGV do
  local argc = tonumber(ARGV[i])
  local r = redis.pcall(unpack(ARGV, i + 1, i + argc))
  n = n + 1
  if r == nil then r = false end
  out[n] = r
  i = i + argc + 1
end
return out`;

interface QueuedCommand {
  name: string;
  args: Array<string | Buffer | number>;
  transformReply?: (r: unknown) => unknown;
}

type ExecResult = Array<[Error | null, unknown]> | null;

const defined = new WeakSet<Redis>();

/**
 * A transaction whose commands are queued as with ioredis' `multi()` and sent, on `exec()`, as one
 * fenced script: all of them or none, and none unless the lease still holds `fence.token`.
 * `exec()` resolves to the same `[[err, reply], …]` shape as a MULTI, or rejects with
 * NotLeaderError.
 */
export function fencedMulti(redis: Redis, fence: Fence): ChainableCommander {
  if (!defined.has(redis)) {
    redis.defineCommand('bbFencedExec', { numberOfKeys: 1, lua: FENCED_EXEC });
    defined.add(redis);
  }
  // A pipeline only queues: its commands are read back from the queue and never sent as they are.
  const p = redis.pipeline() as ChainableCommander & { _queue: QueuedCommand[]; exec: () => Promise<ExecResult> };
  p.exec = async (): Promise<ExecResult> => {
    const queue = p._queue.splice(0);
    const token = fence.token;
    if (token === null) throw new NotLeaderError(null, null);
    if (!queue.length) return [];
    const argv: Array<string | Buffer | number> = [token];
    for (const c of queue) argv.push(c.args.length + 1, c.name, ...c.args);
    let replies: unknown[];
    try {
      replies = (await (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown[]>>).bbFencedExec!(fence.leaderKey, ...argv)) ?? [];
    } catch (err) {
      const m = /^BBFENCED (.*)$/.exec((err as Error).message ?? '');
      if (m) {
        fence.onRefused();
        throw new NotLeaderError(token, m[1] === 'false' || m[1] === 'nil' ? null : m[1]!);
      }
      throw err;
    }
    return queue.map((c, i): [Error | null, unknown] => {
      const r = replies[i] ?? null;
      if (r instanceof Error) return [r, null];
      return [null, c.transformReply ? c.transformReply(r) : r];
    });
  };
  return p;
}

/**
 * A leader-only Lua script (one that writes), fenced: the lease key and the token ride along as
 * the last key and the last argument, and the script writes nothing unless the token is still the
 * newest granted. Rejects with NotLeaderError otherwise, as `fencedMulti` does. With `name`, the
 * guarded script is defined once on the connection and sent by its digest (a fixed number of keys).
 */
export async function fencedEval(redis: Redis, fence: Fence, lua: string, keys: string[], args: Array<string | number>, name?: string): Promise<unknown> {
  const token = fence.token;
  if (token === null) throw new NotLeaderError(null, null);
  const guarded = `local __lease = table.remove(KEYS)
local __token = table.remove(ARGV)
local __cur = redis.call('GET', __lease)
if __cur ~= __token then return redis.error_reply('BBFENCED ' .. tostring(__cur)) end
${lua}`;
  const argv = [...keys, fence.leaderKey, ...args.map(String), token];
  try {
    if (!name) return await redis.eval(guarded, keys.length + 1, ...argv);
    const command = `${name}Fenced`;
    let names = definedScripts.get(redis);
    if (!names) definedScripts.set(redis, (names = new Set()));
    if (!names.has(command)) {
      redis.defineCommand(command, { numberOfKeys: keys.length + 1, lua: guarded });
      names.add(command);
    }
    return await (redis as unknown as Record<string, (...a: string[]) => Promise<unknown>>)[command]!(...argv);
  } catch (err) {
    const m = /^BBFENCED (.*)$/.exec((err as Error).message ?? '');
    if (!m) throw err;
    fence.onRefused();
    throw new NotLeaderError(token, m[1] === 'false' || m[1] === 'nil' ? null : m[1]!);
  }
}

const definedScripts = new WeakMap<Redis, Set<string>>();
