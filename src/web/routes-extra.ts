import type { PageReply, WebContext } from './context.js';

/** Pages beyond builds, changes and buildsets (Problems, tiers, packages, tree, the JSON API). */
export async function extraRoute(_ctx: WebContext, _segs: string[], _query: URLSearchParams): Promise<PageReply | undefined> {
  return undefined;
}
