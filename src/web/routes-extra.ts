import type { PageReply, WebContext } from './context.js';
import { problemPage, problemsPage } from './problems-page.js';
import { packagesPage, tiersPage, treePage } from './tiers-pages.js';
import { apiRoute } from './api.js';

const int = (s: string | undefined) => (s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : undefined);

/** Pages beyond builds, changes and buildsets: Problems, tiers, packages, tree, and the JSON API. */
export async function extraRoute(ctx: WebContext, segs: string[], query: URLSearchParams): Promise<PageReply | undefined> {
  const [a, b] = segs;
  if (a === 'api') return apiRoute(ctx, segs.slice(1), query);
  if (segs.length === 1) {
    if (a === 'problems') return problemsPage(ctx);
    if (a === 'tiers') return tiersPage(ctx);
    if (a === 'packages') return packagesPage(ctx);
    if (a === 'tree') return treePage(ctx);
  }
  const id = int(b);
  if (a === 'problems' && id !== undefined && segs.length === 2) return problemPage(ctx, id);
  return undefined;
}
