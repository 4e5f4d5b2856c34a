import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/data/db.js';

/**
 * Leader-only writes go through the fence (README "Running several masters", src/data/fence.ts).
 * A repository's connection is typed to the read commands (`Db.redis: ReadRedis`), so a write on it
 * does not compile; the whole connection (`Db.unfenced`) is named only where any master may write;
 * what is queued on `Db.reads()` and what the read scripts run are reads. This file checks the
 * last three by reading src/data; the types check the first (the `@ts-expect-error` lines below).
 */

const DATA = join(import.meta.dirname, '..', '..', 'src', 'data');

/** The modules that may name the whole connection, and why: every other write is leader-only. */
const ANY_MASTER: Record<string, string> = {
  'db.ts': 'the Db itself: the fenced multi and scripts are made over it',
  'changes.ts': 'change intake: any master stores webhooks (a standby too); a change stored twice is refused by its key',
  'lease.ts': 'the lease and the masters’ heartbeats: how a master becomes the leader, or says it stands by',
  'reconfig.ts': '`bb reconfig` requests (the CLI) and every master’s answer',
  'guardrails.ts': 'INFO and CONFIG GET at start, before the lease',
  'store.ts': 'closing the connection',
};

/** Redis commands that only read (what may be queued on `reads()` or called in a read script). */
const READS = new Set(
  (
    'get mget exists type ttl pttl strlen lrange llen lindex hget hmget hgetall hexists hkeys hvals hlen hstrlen smembers sismember smismember scard ' +
    'zrange zrevrange zrangebyscore zrevrangebyscore zcard zscore zmscore zrank zrevrank zcount xrange xrevrange xlen scan sscan hscan zscan exec'
  ).split(' '),
);

/** Where a module names the whole connection. */
function unfencedUses(text: string): number {
  return [...text.matchAll(/\.unfenced\b/g)].length;
}

/** The method names of a call chain starting at `at` (`.a(x).b(f(y))` → a, b), arguments skipped. */
function chainAt(text: string, at: number): string[] {
  const names: string[] = [];
  const call = /\s*\.(\w+)\(/y;
  for (;;) {
    call.lastIndex = at;
    const m = call.exec(text);
    if (!m) return names;
    names.push(m[1]!);
    let depth = 1;
    let i = call.lastIndex;
    while (i < text.length && depth > 0) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')') depth--;
      i++;
    }
    at = i;
  }
}

/** Commands queued on `reads()`: in one chain, or on a variable that holds it (from its declaration to its exec()). */
function queuedOnReads(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\.reads\(\)/g)) out.push(...chainAt(text, m.index! + m[0].length));
  for (const v of text.matchAll(/(?:const|let) (\w+) = this\.db\.reads\(\);/g)) {
    const from = v.index! + v[0].length;
    const end = text.indexOf(`${v[1]}.exec()`, from);
    for (const use of text.slice(0, end < 0 ? undefined : end).matchAll(new RegExp(`\\b${v[1]}(?=\\s*\\.)`, 'g'))) {
      if (use.index! >= from) out.push(...chainAt(text, use.index! + v[1]!.length));
    }
  }
  return out;
}

/** Redis commands a Lua text calls. */
function luaCalls(lua: string): string[] {
  return [...lua.matchAll(/redis\.p?call\(\s*'(\w+)'/g)].map((m) => m[1]!.toLowerCase());
}

function sources(): Array<[string, string]> {
  return readdirSync(DATA)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f, readFileSync(join(DATA, f), 'utf8')]);
}

describe('leader-only writes are fenced (src/data)', () => {
  it('the whole connection is named only by the modules that may write as any master', () => {
    const named = sources().filter(([, text]) => unfencedUses(text) > 0).map(([f]) => f);
    expect(named.filter((f) => !(f in ANY_MASTER))).toEqual([]);
    // Each exception is still needed (a stale one would hide a new write there).
    expect(Object.keys(ANY_MASTER).filter((f) => !named.includes(f))).toEqual([]);
  });

  it('what is queued on reads() only reads', () => {
    const bad = sources().flatMap(([f, text]) => queuedOnReads(text).filter((c) => !READS.has(c)).map((c) => `${f}: ${c}`));
    expect(bad).toEqual([]);
    expect(sources().reduce((n, [, text]) => n + queuedOnReads(text).length, 0)).toBeGreaterThan(10);
  });

  it('the scripts run as reads (readScript) call read commands only', () => {
    const text = readFileSync(join(DATA, 'read-scripts.ts'), 'utf8');
    const scripts = new Map([...text.matchAll(/export const (\w+) = `([^`]*)`/g)].map((m) => [m[1]!, m[2]!]));
    const used = new Set(sources().flatMap(([, t]) => [...t.matchAll(/\.readScript\(\s*(\w+)/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(2);
    const bad = [...used].flatMap((name) => {
      const lua = scripts.get(name);
      if (lua === undefined) return [`${name}: not a script of read-scripts.ts`];
      return luaCalls(lua).filter((c) => !READS.has(c)).map((c) => `${name}: ${c}`);
    });
    expect(bad).toEqual([]);
  });

  it('the checks see what they look for (they are not blind)', () => {
    expect(unfencedUses('await this.db.unfenced.set(k, v);')).toBe(1);
    const chained = queuedOnReads("const r = await this.db.reads().get(a).set(b, String(n)).exec();");
    expect(chained.filter((c) => !READS.has(c))).toEqual(['set']);
    const held = queuedOnReads("const m = this.db.reads();\nfor (const k of ks) m.zcard(k).zadd(k, 1, 'x');\nawait m.exec();");
    expect(held.filter((c) => !READS.has(c))).toEqual(['zadd']);
    expect(luaCalls("redis.call('GET', KEYS[1]) redis.pcall('DEL', KEYS[2])").filter((c) => !READS.has(c))).toEqual(['del']);
  });
});

/** Never run: it only has to compile. A repository's connection takes no write. */
export function writesDoNotCompile(db: Db): void {
  // @ts-expect-error set is a write: through db.write()/db.multi(), fenced
  void db.redis.set('k', 'v');
  // @ts-expect-error incr is a write
  void db.redis.incr('k');
  // @ts-expect-error a MULTI on the connection could write unfenced: db.multi() or db.reads()
  void db.redis.multi();
  // @ts-expect-error a script could write: db.script() (fenced) or db.readScript()
  void db.redis.eval('return 1', 0);
  void db.redis.get('k');
}
