import type { MasterConfig } from './schema.js';
import { redisUrlOf } from './schema-redis.js';
import { redact } from '../model/redis-target.js';

const redactOpt = (u: string | undefined) => (u === undefined ? u : redact(u));

/** What a new config changes against the running one (`bb reconfig`). */
export interface ConfigDiff {
  /** Settings a running master cannot take (Redis, its state directory): each says why. */
  needsRestart: string[];
  /** One line per change, e.g. `builders: added docs; changed linux`. Empty: nothing changed. */
  changes: string[];
  /** Top-level sections that changed (`builders`, `chat`, …). */
  sections: Set<string>;
}

const RESTART_ONLY: Array<[string, (c: MasterConfig) => unknown]> = [
  ['redis', (c) => redactOpt(redisUrlOf(c.redis))],
  ['redis.prefix', (c) => c.redis.prefix],
  ['basedir', (c) => c.basedir],
];

/** Named entries (builders, schedulers, executors, repositories): added, removed, changed. */
function namedChanges(label: string, before: Array<{ name: string }>, after: Array<{ name: string }>): string | undefined {
  const was = new Map(before.map((x) => [x.name, same(x)]));
  const now = new Map(after.map((x) => [x.name, same(x)]));
  const added = [...now.keys()].filter((n) => !was.has(n));
  const removed = [...was.keys()].filter((n) => !now.has(n));
  const changed = [...now.keys()].filter((n) => was.has(n) && was.get(n) !== now.get(n));
  const parts = [
    added.length ? `added ${added.join(', ')}` : '',
    removed.length ? `removed ${removed.join(', ')}` : '',
    changed.length ? `changed ${changed.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? `${label}: ${parts.join('; ')}` : undefined;
}

/**
 * Compares two checked configs section by section. Functions in a config (priorities, change
 * filters) compare by their source text, so an edited function counts as a change.
 */
export function diffConfigs(before: MasterConfig, after: MasterConfig): ConfigDiff {
  const needsRestart = RESTART_ONLY.filter(([, get]) => same(get(before)) !== same(get(after))).map(
    ([path, get]) => `${path} cannot change while the master runs (${show(get(before))} → ${show(get(after))}); restart the master for it`,
  );
  const changes: string[] = [];
  const sections = new Set<string>();
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const a = (before as Record<string, unknown>)[key];
    const b = (after as Record<string, unknown>)[key];
    if (same(a) === same(b)) continue;
    sections.add(key);
    if (key === 'redis' || key === 'basedir') continue;
    const named = Array.isArray(a) && Array.isArray(b) && [...a, ...b].every((x) => typeof (x as { name?: unknown })?.name === 'string');
    const line = named ? namedChanges(key, a as Array<{ name: string }>, b as Array<{ name: string }>) : undefined;
    changes.push(line ?? (key === 'chat' ? chatChanges(before.chat, after.chat) : `${key}: changed`));
  }
  return { needsRestart, changes, sections };
}

function chatChanges(before: MasterConfig['chat'], after: MasterConfig['chat']): string {
  if (!before) return 'chat: added';
  if (!after) return 'chat: removed';
  const parts = Object.keys({ ...before, ...after }).filter(
    (k) => same((before as Record<string, unknown>)[k]) !== same((after as Record<string, unknown>)[k]),
  );
  return `chat: changed ${parts.join(', ')}`;
}

/**
 * Makes `live` hold `next`'s settings, in place: every part of the master that was given the
 * config object sees the new one at its next read.
 */
export function replaceConfig(live: MasterConfig, next: MasterConfig): void {
  for (const key of Object.keys(live)) if (!(key in next)) delete (live as Record<string, unknown>)[key];
  Object.assign(live, next);
}

/** A stable text of a config value: functions by their source, keys in order. */
function same(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'function') return `fn:${x.toString()}`;
    if (x instanceof RegExp) return `re:${x.toString()}`;
    if (x && typeof x === 'object' && !Array.isArray(x)) return Object.fromEntries(Object.entries(x).sort(([p], [q]) => p.localeCompare(q)));
    return x;
  }) ?? 'undefined';
}

function show(v: unknown): string {
  return v === undefined ? '(default)' : JSON.stringify(v);
}
