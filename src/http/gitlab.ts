import { z } from 'zod';
import { header, parseJson, payload, type WebhookHandler } from './hook.js';
import { branchOfRef, commitChanges, pushCommitSchema, tipLast } from './push.js';
import { checkToken } from './verify.js';

const url = z.string().nullish();
const pushSchema = z.object({
  object_kind: z.literal('push'),
  ref: z.string(),
  before: z.string().optional(),
  after: z.string().optional(),
  checkout_sha: z.string().nullish(),
  commits: z.array(pushCommitSchema).nullish(),
  project: z.object({ git_http_url: url, web_url: url }).optional(),
  repository: z.object({ git_http_url: url, homepage: url }).optional(),
});

/**
 * GitLab: requests carry the hook's secret token in X-Gitlab-Token. Push events
 * (`object_kind: push`) become one Change per commit; tag pushes and other events are ignored (202).
 */
export const gitlab: WebhookHandler = {
  verify: (headers, _raw, token) => checkToken(header(headers, 'x-gitlab-token'), token),
  parse(headers, raw, opts) {
    const body = parseJson(raw.toString('utf8'));
    const kind = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).object_kind : undefined;
    if (kind === 'tag_push') return { kind: 'ignored', status: 202, reason: 'tag push' };
    if (kind !== 'push') {
      const event = header(headers, 'x-gitlab-event') ?? (typeof kind === 'string' ? kind : 'unknown');
      return { kind: 'ignored', status: 202, reason: `event ${event} is not built` };
    }
    const p = payload(pushSchema, body);
    const branch = branchOfRef(p.ref);
    if (branch === null) return { kind: 'ignored', status: 202, reason: `ref ${p.ref} is not a branch` };
    const repository = p.project?.git_http_url ?? p.repository?.git_http_url ?? p.project?.web_url ?? p.repository?.homepage ?? '';
    const tip = p.checkout_sha ?? p.after;
    const changes = commitChanges(tipLast(p.commits ?? [], tip), { branch, repository, project: opts.project ?? '', source: 'webhook:gitlab', at: 'commits' });
    const identity = JSON.stringify([repository, branch, p.before ?? null, p.after ?? null]);
    return { kind: 'changes', changes, identity };
  },
};
