import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The event names of DataEvents (src/data/events.ts). */
function declaredEvents(): string[] {
  const text = readFileSync(join(ROOT, 'src/data/events.ts'), 'utf8');
  const body = text.slice(text.indexOf('export interface DataEvents {'), text.indexOf('\n}\n', text.indexOf('export interface DataEvents {')));
  return [...body.matchAll(/^ {2}'([a-z]+\.[a-z]+)':/gm)].map((m) => m[1]!);
}

const literals = (text: string): string[] => [...text.matchAll(/'([a-z]+\.[a-z]+)'/g)].map((m) => m[1]!);

/**
 * Where each event is published and subscribed in src/ (bb's own code, tests left out):
 * published: `.emit('…'`, or an event name on a line calling a repository's `.put(` (the Problems
 * repository publishes the event it is given); subscribed: `.on('…'`, or a name in a list of
 * events (an array literal) in a file that subscribes to a variable event
 * (`for (const e of EVENTS) bus.on(e, …)`).
 */
function uses(events: Set<string>): { emitted: Map<string, string[]>; subscribed: Map<string, string[]> } {
  const emitted = new Map<string, string[]>();
  const subscribed = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, name: string, where: string) => events.has(name) && m.set(name, [...new Set([...(m.get(name) ?? []), where])]);
  for (const file of sources(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file);
    if (rel === join('src', 'data', 'events.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.emit\(\s*'([a-z]+\.[a-z]+)'/g)) add(emitted, m[1]!, rel);
    for (const line of text.split('\n').filter((l) => l.includes('.put('))) for (const name of literals(line)) add(emitted, name, rel);
    for (const m of text.matchAll(/\.on\(\s*'([a-z]+\.[a-z]+)'/g)) add(subscribed, m[1]!, rel);
    if (/\.on\(\s*[A-Za-z_]/.test(text)) for (const list of text.matchAll(/\[([^[\]]*)\]/g)) for (const name of literals(list[1]!)) add(subscribed, name, rel);
  }
  return { emitted, subscribed };
}

describe('bus events (src/data/events.ts)', () => {
  it('every event is published by a repository and has a subscriber in bb', () => {
    const declared = declaredEvents();
    expect(declared.length).toBeGreaterThan(10);
    const { emitted, subscribed } = uses(new Set(declared));
    const table = declared.map((e) => `${e}: published in ${emitted.get(e)?.join(', ') ?? 'NOWHERE'}; subscribed in ${subscribed.get(e)?.join(', ') ?? 'NOWHERE'}`).join('\n');
    expect(declared.filter((e) => !emitted.has(e)), table).toEqual([]);
    expect(declared.filter((e) => !subscribed.has(e)), table).toEqual([]);
  });

  it('the check finds both kinds of subscriber (it is not blind)', () => {
    const { subscribed } = uses(new Set(['build.log', 'build.new']));
    // build.log: `bus.on('build.log', …)`; build.new: only in lists of events subscribed in a loop.
    expect(subscribed.get('build.log')).toEqual([join('src', 'web', 'live-hub.ts')]);
    expect(new Set(subscribed.get('build.new'))).toEqual(new Set([join('src', 'web', 'console-model.ts'), join('src', 'web', 'live-hub.ts')]));
  });
});
