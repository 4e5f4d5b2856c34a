import { isAbsolute, relative, resolve, sep } from 'node:path';

export class PathError extends Error {}

/**
 * `rel` resolved against `base`, refusing anything that lands outside `base` (absolute paths,
 * `..` that climbs out). The check is on the path text; `base` itself is a valid answer.
 */
export function resolveInside(base: string, rel: string, what = 'path'): string {
  if (isAbsolute(rel)) throw new PathError(`${what} "${rel}" must be relative`);
  return resolveFromInside(base, base, rel, what);
}

/** `rel` resolved against `from` (a directory inside `root`), refusing results outside `root`. */
export function resolveFromInside(root: string, from: string, rel: string, what = 'path'): string {
  if (rel.includes('\0')) throw new PathError(`${what} contains a NUL byte`);
  const top = resolve(root);
  const full = resolve(top, from, rel);
  if (full !== top && !full.startsWith(top + sep)) throw new PathError(`${what} "${rel}" leads outside ${top}`);
  return full;
}

/** A relative path inside `base`, normalised (for `git apply --directory`); '' for `base` itself. */
export function relativeInside(base: string, rel: string, what = 'path'): string {
  return relative(resolve(base), resolveInside(base, rel, what)).split(sep).join('/');
}
