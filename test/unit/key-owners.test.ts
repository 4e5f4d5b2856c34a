import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DATA = join(import.meta.dirname, '..', '..', 'src', 'data');

/** The members of Keys (src/data/keys.ts) that name keys (the prefix and the name readers left out). */
function keyMembers(): Set<string> {
  const text = readFileSync(join(DATA, 'keys.ts'), 'utf8');
  const body = text.slice(text.indexOf('export class Keys'));
  const names = [...body.matchAll(/^ {2}(?:get |readonly )?(\w+)[(:]/gm)].map((m) => m[1]!);
  return new Set(names.filter((n) => !['constructor', 'prefix', 'db', 'builderOfBuildsKey'].includes(n)));
}

/**
 * Which src/data modules name each key of keys.ts: `this.db.keys.<member>`, `keys.<member>` where
 * `keys` is the Db's (`const { keys } = this.db`), or a group kept in a variable
 * (`const k = this.db.keys.hassle`); `seq('<kind>')` is told apart by its kind.
 */
function owners(): Map<string, Set<string>> {
  const members = keyMembers();
  const out = new Map<string, Set<string>>();
  for (const file of readdirSync(DATA).filter((f) => f.endsWith('.ts') && f !== 'keys.ts' && f !== 'db.ts')) {
    const text = readFileSync(join(DATA, file), 'utf8');
    const use = (member: string, arg?: string) => members.has(member) && out.set(arg ? `${member}('${arg}')` : member, (out.get(arg ? `${member}('${arg}')` : member) ?? new Set()).add(file));
    for (const m of text.matchAll(/this\.db\.keys\.(\w+)(?:\('(\w+)'\))?/g)) use(m[1]!, m[2]);
    if (/const \{[^}]*\bkeys\b[^}]*\} = (this\.db|dbOf\()|const keys = this\.db\.keys;/.test(text)) {
      for (const m of text.matchAll(/(?<![.\w])keys\.(\w+)(?:\('(\w+)'\))?/g)) use(m[1]!, m[2]);
    }
    for (const m of text.matchAll(/const \w+ = this\.db\.keys\.(\w+);/g)) use(m[1]!);
  }
  return out;
}

describe('key ownership (src/data)', () => {
  it('every key of keys.ts is named by one src/data module: its repository', () => {
    const shared = [...owners()].filter(([, files]) => files.size > 1).map(([key, files]) => `${key}: ${[...files].sort().join(', ')}`);
    expect(shared).toEqual([]);
  });

  it('the check sees keys through each way of naming them (it is not blind)', () => {
    const o = owners();
    expect(o.size).toBeGreaterThan(40);
    expect([...(o.get('log') ?? [])]).toEqual(['logs.ts']);
    expect([...(o.get("seq('request')") ?? [])]).toEqual(['requests.ts']);
    expect([...(o.get('hassle') ?? [])]).toEqual(['hassle.ts']);
    expect([...(o.get('problem') ?? [])]).toEqual(['problems.ts']);
  });
});
