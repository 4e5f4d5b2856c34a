import type { Logger } from '../log.js';
import type { MasterConfig } from '../config/schema.js';
import { resolveHttpSecrets, type WebhookKind } from '../config/http-secrets.js';
import type { Store } from '../data/store.js';
import type { WebhookServer } from './server.js';
import type { TiersApi } from '../tiers/model.js';
import type { ChatHealth, WebContext } from '../web/index.js';

/**
 * Starts the HTTP side when the config has an `http` section: reads the webhook secrets (a
 * ConfigError if an environment variable went missing since the config was loaded) and listens.
 */
export async function startWebhooks(
  config: MasterConfig,
  store: Store,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  web: { tiers?: TiersApi; tierInfo?: WebContext['tierInfo']; writesBuilds?: WebContext['writesBuilds']; chat?: () => ChatHealth[]; health?: () => Promise<Record<string, unknown>> } = {},
): Promise<WebhookServer | undefined> {
  const http = config.http;
  if (!http) return undefined;
  const secrets = resolveHttpSecrets(config, env);
  const hooks = new Map<WebhookKind, { secret: string; project?: string }>();
  const w = http.webhooks;
  const project = (kind: WebhookKind) => (kind === 'generic' ? undefined : w[kind]?.project);
  for (const kind of ['github', 'gitlab', 'generic'] as const) {
    const secret = secrets.get(kind);
    const p = project(kind);
    if (w[kind] && secret) hooks.set(kind, { secret, ...(p !== undefined ? { project: p } : {}) });
  }
  // The server, the hooks and the pages load only for a master that serves HTTP.
  const [{ webHandler }, { WebhookServer }, { HookError }] = await Promise.all([import('../web/index.js'), import('./server.js'), import('./hook.js')]);
  const pages = webHandler({ store, config, ...(web.tiers ? { tiers: web.tiers } : {}), ...(web.tierInfo ? { tierInfo: web.tierInfo } : {}), ...(web.writesBuilds ? { writesBuilds: web.writesBuilds } : {}), now: Date.now }, log.child({ part: 'web' }), {
    ...(web.chat ? { chat: web.chat } : {}),
    ...(web.health ? { health: web.health } : {}),
  });
  const server = new WebhookServer({
    pages,
    host: http.host,
    port: http.port,
    maxBodyBytes: http.maxBodyBytes,
    replayWindowSec: http.replayWindow,
    hooks,
    intake: async (items) => {
      const stored = (await store.addChanges(items)).length;
      const want = config.redis.waitReplicas ?? 0;
      if (want > 0) {
        // Also when every change was a duplicate: the earlier delivery may not be safe yet either.
        const got = await store.waitForReplicas(want, 2000);
        if (got < want) throw new HookError(503, `stored, but ${got} of ${want} replicas confirmed it within 2 s (redis.waitReplicas): deliver it again later (a stored change is not stored twice)`);
      }
      return stored;
    },
    ...(web.health ? { health: web.health } : {}),
    log: log.child({ part: 'http' }),
  });
  await server.start();
  return server;
}
