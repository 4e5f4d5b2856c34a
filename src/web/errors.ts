import { html } from './html.js';
import { page } from './layout.js';
import type { PageReply, WebContext } from './context.js';

export function notFoundPage(ctx: WebContext, what: string): PageReply {
  return { status: 404, type: 'html', body: page({ title: 'not found', site: ctx.config.title }, html`<h1>Not found</h1><p>${what}</p><p><a href="/">Back to the console</a></p>`) };
}

export function badRequestPage(ctx: WebContext, what: string): PageReply {
  return { status: 400, type: 'html', body: page({ title: 'bad request', site: ctx.config.title }, html`<h1>Bad request</h1><p>${what}</p>`) };
}
