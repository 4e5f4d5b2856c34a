import { resolve } from 'node:path';

/** `scheme://…` (https, ssh, git, file, …). */
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** scp-like ssh: `host:path` or `user@host:path`, a colon before any slash. */
const SCP_RE = /^[^/]+:/;

/**
 * Checks a repository location from the config and returns what to hand to git as the mirror's
 * remote: URLs and scp-like addresses unchanged, local paths made absolute (git would otherwise
 * resolve a relative path against the mirror directory, not against where bb was started).
 * Throws on anything git could read as an option or that cannot be a location.
 */
export function remoteForGit(url: string, baseDir: string = process.cwd()): string {
  if (url.length === 0) throw new Error('repository url is empty');
  if (url.startsWith('-')) throw new Error(`repository url ${JSON.stringify(url)} starts with "-"`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(url)) throw new Error('repository url contains control characters');
  if (SCHEME_RE.test(url)) return url;
  // './x:y' and '/x:y' are paths; 'host:path' is ssh.
  if (SCP_RE.test(url) && !url.startsWith('.')) return url;
  return resolve(baseDir, url);
}
