import type { Command } from 'commander';
import { CliError } from './connect-error.js';

/** `--url`: read from a master's web API (`/api/...`) instead of Redis. */
export interface WebReadOptions {
  url?: string;
  redis?: string;
}

/** Adds `--url <titleUrl>` to a read-only command. */
export function addUrlOption(cmd: Command): Command {
  return cmd.option('--url <titleUrl>', "read from a master's web pages (its titleUrl) instead of Redis (default: $BB_URL, unless --redis is given)");
}

/** The master's address to read from: `--url`, else $BB_URL unless `--redis` names a Redis; undefined: read Redis. */
export function webBase(o: WebReadOptions): string | undefined {
  if (o.url) return o.url;
  if (o.redis) return undefined;
  return process.env.BB_URL || undefined;
}

/**
 * GET `<base>/api/<path>` as JSON. A 404 says what was not found (`there is no problem 7`); a
 * master that cannot be reached or answers otherwise is an error naming the address.
 */
export async function getApi<T>(base: string, path: string): Promise<T> {
  let url: URL;
  try {
    url = new URL(`api/${path}`, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new CliError(`--url: "${base}" is not an address (e.g. https://ci.example.org/)`, 2);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(20_000), headers: { accept: 'application/json' } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach the master at ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${url.href} answered ${res.status} without JSON: is ${base} a bb master's address (its titleUrl)?`);
  }
  if (!res.ok) throw new CliError((body as { error?: string }).error ?? `${url.href} answered ${res.status}`);
  return body as T;
}
