/**
 * Tolerant reads of a config as its module exported it, before (or despite) schema validation, so
 * the cross-checks can report their problems alongside the schema's. Anything of the wrong shape
 * is skipped here: the schema reports it.
 */

export type RawRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is RawRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The objects in the array `parent[key]`, each with its index. */
export function records(parent: unknown, key: string): Array<{ index: number; value: RawRecord }> {
  const list = isRecord(parent) ? parent[key] : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((value: unknown, index) => (isRecord(value) ? [{ index, value }] : []));
}

/** The strings in the array `parent[key]`, each with its index. */
export function strings(parent: unknown, key: string): Array<{ index: number; value: string }> {
  const list = isRecord(parent) ? parent[key] : undefined;
  if (!Array.isArray(list)) return [];
  return list.flatMap((value: unknown, index) => (typeof value === 'string' ? [{ index, value }] : []));
}

export function stringAt(parent: RawRecord, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

/** The `name`s of the objects in `config[section]`, in order (unnamed ones skipped). */
export function names(config: unknown, section: string): string[] {
  return records(config, section).flatMap(({ value }) => {
    const name = stringAt(value, 'name');
    return name === undefined ? [] : [name];
  });
}
