import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { ChangeInput } from '../model/change.js';
import type { Proof } from './verify.js';

/** What a webhook request amounts to. */
export type HookOutcome =
  /**
   * Changes to store, in commit order. `identity` names the push by what its signature (GitLab: its
   * token-carrying body) covers: repository, branch, before..after and, where the service sends
   * it, the push time; a request with the same identity within the replay window stores nothing.
   */
  | { kind: 'changes'; changes: ChangeInput[]; identity: string }
  /** Nothing to do: a ping (200) or an event or ref bb does not build (202). */
  | { kind: 'ignored'; status: 200 | 202; reason: string };

/** A request bb will not act on: a malformed payload (400). */
export class HookError extends Error {
  constructor(
    readonly status: 400 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** One kind of webhook: how a request proves its origin, and what its payload means. */
export interface WebhookHandler {
  /** Checks the request's signature or token against the configured secret. */
  verify(headers: IncomingHttpHeaders, body: Buffer, secret: string): Proof;
  /** Reads a verified request. Throws HookError when the payload is malformed. */
  parse(headers: IncomingHttpHeaders, body: Buffer, opts: { project?: string }): HookOutcome;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body as JSON, or a 400. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HookError(400, 'body is not valid JSON');
  }
}

/** Validate a payload with a schema, or a 400 naming the first wrong field. */
export function payload<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new HookError(400, `malformed payload: ${i.path.join('.') || 'body'}: ${i.message}`);
}
