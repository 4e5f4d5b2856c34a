import { z } from 'zod';
import { header, parseJson, payload, HookError, type WebhookHandler } from './hook.js';
import { branchOfRef, commitChanges, isTagRef, pushCommitSchema, tipLast } from './push.js';
import { checkSignature } from './verify.js';

const pushSchema = z.object({
  ref: z.string(),
  before: z.string().optional(),
  after: z.string().optional(),
  deleted: z.boolean().optional(),
  commits: z.array(pushCommitSchema).nullish(),
  repository: z.object({ clone_url: z.string().optional(), html_url: z.string().optional(), pushed_at: z.union([z.number(), z.string()]).nullish() }),
});

/** The body as GitHub sends it: JSON, or a form with the JSON in `payload` (the hook's other content type). */
function body(headers: Parameters<WebhookHandler['parse']>[0], raw: Buffer): unknown {
  const type = header(headers, 'content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const json = new URLSearchParams(raw.toString('utf8')).get('payload');
    if (json === null) throw new HookError(400, 'form body without a payload field');
    return parseJson(json);
  }
  return parseJson(raw.toString('utf8'));
}

/**
 * GitHub: requests signed with X-Hub-Signature-256. `push` events to branches become one Change
 * per commit; `ping` answers 200; tag pushes and other events are ignored (202).
 */
export const github: WebhookHandler = {
  verify: (headers, raw, secret) => checkSignature(header(headers, 'x-hub-signature-256'), secret, raw),
  parse(headers, raw, opts) {
    const event = header(headers, 'x-github-event');
    if (!event) throw new HookError(400, 'missing X-GitHub-Event header');
    if (event === 'ping') return { kind: 'ignored', status: 200, reason: 'ping' };
    if (event !== 'push') return { kind: 'ignored', status: 202, reason: `event ${event} is not built` };
    const p = payload(pushSchema, body(headers, raw));
    if (isTagRef(p.ref)) return { kind: 'ignored', status: 202, reason: 'tag push' };
    const branch = branchOfRef(p.ref);
    if (branch === null) return { kind: 'ignored', status: 202, reason: `ref ${p.ref} is not a branch` };
    if (p.deleted) return { kind: 'ignored', status: 202, reason: 'branch deleted' };
    const repository = p.repository.clone_url ?? p.repository.html_url ?? '';
    const changes = commitChanges(tipLast(p.commits ?? [], p.after), { branch, repository, project: opts.project ?? '', source: 'webhook:github', at: 'commits' });
    // GitHub's push time tells a real second push of the same before..after (a branch moved back and forth) from a replay.
    const identity = JSON.stringify([repository, branch, p.before ?? null, p.after ?? null, p.repository.pushed_at ?? null]);
    return { kind: 'changes', changes, identity };
  },
};
