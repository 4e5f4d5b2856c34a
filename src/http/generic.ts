import { z } from 'zod';
import type { ChangeInput } from '../model/change.js';
import { header, parseJson, payload, type WebhookHandler } from './hook.js';
import { checkSignature } from './verify.js';

const bodySchema = z.object({
  changes: z.array(z.record(z.string(), z.unknown())).min(1, 'give at least one change').max(10_000),
});

/**
 * bb's own form: `{"changes": [ChangeInput, …]}` (the fields `bb sendchange` takes), signed with
 * `X-BB-Signature: sha256=<HMAC-SHA256 of the body>`. An optional `X-BB-Delivery` id makes a
 * retried request store nothing twice. Each change's `source` is `webhook:generic`.
 */
export const generic: WebhookHandler = {
  verify: (headers, raw, secret) => checkSignature(header(headers, 'x-bb-signature'), secret, raw),
  parse(headers, raw) {
    const p = payload(bodySchema, parseJson(raw.toString('utf8')));
    const changes = p.changes.map((c) => ({ ...c, source: 'webhook:generic' }) as ChangeInput);
    // The signature covers the whole body: the same body is the same request, whatever X-BB-Delivery says.
    return { kind: 'changes', changes, identity: raw.toString('utf8') };
  },
};
