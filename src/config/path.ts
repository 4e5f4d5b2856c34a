/** A location in the config, as segments: object keys and array indexes. */
export type ConfigPath = ReadonlyArray<PropertyKey>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Writes a location the way the config's author would: `builders[2].steps[1].command`,
 * `properties["odd key"]`. The empty path (the file as a whole) is the empty string.
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}
