export { webHandler, CSP } from './router.js';
export type { WebContext } from './context.js';
export type { ChatHealth } from './health.js';
