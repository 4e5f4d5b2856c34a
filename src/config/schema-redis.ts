import { z } from 'zod';
import { clusterUrl, HASH_TAG_PREFIX, isClusterUrl, parseClusterUrl, parseSentinelUrl, sentinelUrl, type SentinelTarget } from '../model/redis-target.js';

/**
 * `redis`: where bb keeps its state. Either one server (`url`) or a Sentinel-managed primary
 * (`sentinels` + `name`); see README "Running several masters".
 */
export const redisSchema = z
  .object({
    /**
     * Default: $REDIS_URL, else redis://127.0.0.1:6379. `redis://` / `rediss://` (TLS) name one
     * server; `redis+sentinel://h1:26379,h2:26379/mymaster` names a Sentinel-managed primary.
     */
    url: z.string().optional(),
    /** Sentinel: the sentinels to ask for the primary (at least one; three or more in production). */
    sentinels: z
      .array(z.object({ host: z.string().min(1, 'a host name or address'), port: z.number().int().min(1).max(65535).default(26379) }).strict())
      .min(1, 'list at least one sentinel, e.g. [{ host: "10.0.0.1", port: 26379 }]')
      .optional(),
    /**
     * Redis Cluster: some of its nodes (the others are found). The prefix must then be one hash
     * tag, e.g. `{bb}`: every key of the installation lands in one slot, so on one shard.
     */
    cluster: z
      .array(z.object({ host: z.string().min(1, 'a host name or address'), port: z.number().int().min(1).max(65535) }).strict())
      .min(1, 'list at least one node, e.g. [{ host: "10.0.0.1", port: 6379 }]')
      .optional(),
    /** Sentinel: the primary's name as the sentinels know it (`sentinel monitor NAME …`). */
    name: z.string().min(1).optional(),
    /** Sentinel: the data servers' ACL user and password (with `url`, put them in the URL). */
    username: z.string().optional(),
    password: z.string().optional(),
    /** Sentinel: the sentinels' own credentials, when they require them. */
    sentinelUsername: z.string().optional(),
    sentinelPassword: z.string().optional(),
    /** Sentinel: the database number. Default 0. */
    db: z.number().int().min(0).optional(),
    /** Sentinel: TLS to the sentinels and the servers. Default false. */
    tls: z.boolean().optional(),
    /**
     * Webhook intake answers 202 only once this many replicas have the changes (Redis's WAIT, up
     * to 2 s; fewer: 503, and the forge delivers again). Default 0 (no wait). Not on a Cluster.
     */
    waitReplicas: z.number().int().min(0).max(16).optional(),
    /** Every key bb writes starts with this. Default `bb`. */
    prefix: z.string().regex(/^[A-Za-z0-9_{}.-]+$/).default('bb'),
    /**
     * Start even when Redis may evict keys (a `maxmemory-policy` other than `noeviction`). Default
     * false: an evicting Redis silently drops builds, queued jobs and chat state, so the master
     * refuses to start on one unless this says the loss is accepted.
     */
    allowEviction: z.boolean().default(false),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (r.sentinels && r.url !== undefined) issue('url', 'give either url or sentinels + name, not both');
    if (r.cluster && (r.url !== undefined || r.sentinels)) issue('cluster', 'give one of url, sentinels + name, or cluster');
    if (r.waitReplicas && (r.cluster || (r.url !== undefined && isClusterUrl(r.url)))) issue('waitReplicas', 'not supported on a Redis Cluster (WAIT must reach the node that took the write)');
    if ((r.cluster || (r.url !== undefined && isClusterUrl(r.url))) && !HASH_TAG_PREFIX.test(r.prefix)) {
      issue('prefix', `on a Redis Cluster the prefix must be one hash tag such as '{${r.prefix.replace(/[{}]/g, '') || 'bb'}}', so that every key of this installation is in one slot (BullMQ's queues and bb's transactions need that); got '${r.prefix}'`);
    }
    if (r.sentinels && r.name === undefined) issue('name', "required with sentinels: the primary's name as the sentinels know it (`sentinel monitor NAME …`), e.g. 'mymaster'");
    if (!r.sentinels) {
      if (r.name !== undefined) issue('sentinels', 'name is for Sentinel: list the sentinels too, e.g. sentinels: [{ host: "10.0.0.1", port: 26379 }]');
      for (const k of ['sentinelUsername', 'sentinelPassword', 'db'] as const) {
        if (r[k] !== undefined) issue(k, `${k} is for Sentinel (with sentinels + name); with url, put it in the URL`);
      }
      for (const k of ['username', 'password', 'tls'] as const) {
        if (r[k] !== undefined && !r.cluster) issue(k, `${k} is for Sentinel or Cluster (with sentinels + name, or cluster); with url, put it in the URL`);
      }
    }
    if (r.url !== undefined) {
      if (!/^(rediss?|rediss?\+sentinel|rediss?\+cluster):\/\//.test(r.url)) issue('url', 'expected redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://');
      else {
        try {
          parseSentinelUrl(r.url);
          parseClusterUrl(r.url);
        } catch (err) {
          issue('url', (err as Error).message);
        }
      }
    }
  })
  .default({ prefix: 'bb', allowEviction: false });

export type RedisConfig = z.output<typeof redisSchema>;

/** The config's Redis as one target string (src/model/redis-target.ts); undefined when not set. */
export function redisUrlOf(r: RedisConfig): string | undefined {
  if (r.cluster) {
    return clusterUrl({
      nodes: r.cluster,
      tls: r.tls ?? false,
      ...(r.username !== undefined ? { username: r.username } : {}),
      ...(r.password !== undefined ? { password: r.password } : {}),
    });
  }
  if (!r.sentinels || r.name === undefined) return r.url;
  const t: SentinelTarget = { sentinels: r.sentinels, name: r.name, tls: r.tls ?? false };
  if (r.username !== undefined) t.username = r.username;
  if (r.password !== undefined) t.password = r.password;
  if (r.sentinelUsername !== undefined) t.sentinelUsername = r.sentinelUsername;
  if (r.sentinelPassword !== undefined) t.sentinelPassword = r.sentinelPassword;
  if (r.db !== undefined) t.db = r.db;
  return sentinelUrl(t);
}
