/**
 * Where bb's Redis is, as one string every process can take (`redis.url`, `--redis`, `$REDIS_URL`):
 *
 *   redis://[user:password@]host:port[/db]            one server (ioredis parses it)
 *   rediss://…                                        the same over TLS
 *   redis+sentinel://[user:password@]h1:p1,h2:p2,…/NAME[/db][?sentinelUsername=…&sentinelPassword=…]
 *   rediss+sentinel://…                               Sentinel-managed, TLS to sentinels and servers
 *   redis+cluster://[user:password@]h1:p1,h2:p2,…      a Redis Cluster (any nodes; the rest are found)
 *   rediss+cluster://…                                a Cluster over TLS
 *
 * With Sentinel, every connection asks the sentinels which server is the primary of NAME, and asks
 * again after a failover. `user:password` is the data servers' (the ACL user); the sentinels' own
 * credentials, if they have any, go in the query. No I/O here: the connection code builds ioredis
 * options from what `sentinelOptions` returns.
 */

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface SentinelTarget {
  sentinels: SentinelAddress[];
  /** The primary's name in the sentinels' config (`sentinel monitor NAME …`). */
  name: string;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  db?: number;
  tls: boolean;
}

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//;

/** Whether this target names sentinels rather than one server. */
export function isSentinelUrl(url: string): boolean {
  return SENTINEL_SCHEME.test(url);
}

/** Parse a `redis+sentinel://` target; throws an Error saying what is wrong. Null for other URLs. */
export function parseSentinelUrl(url: string): SentinelTarget | null {
  const scheme = SENTINEL_SCHEME.exec(url);
  if (!scheme) return null;
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@', rest.indexOf('/') === -1 ? rest.length : rest.indexOf('/'));
  const auth = at === -1 ? '' : rest.slice(0, at);
  const afterAuth = at === -1 ? rest : rest.slice(at + 1);
  const [hostsPart = '', pathAndQuery = ''] = splitOnce(afterAuth, '/');
  const [path = '', query = ''] = splitOnce(pathAndQuery, '?');
  const sentinels = hostsPart.split(',').filter(Boolean).map((hp) => hostPort(hp, url));
  if (!sentinels.length) throw new Error(`${redact(url)}: no sentinel host:port before the "/NAME"`);
  const [name = '', dbText] = path.split('/');
  if (!name) throw new Error(`${redact(url)}: no primary name after the hosts (redis+sentinel://host:26379/mymaster)`);
  const t: SentinelTarget = { sentinels, name: decodeURIComponent(name), tls: scheme[1] === 'rediss' };
  if (dbText !== undefined && dbText !== '') {
    if (!/^\d+$/.test(dbText)) throw new Error(`${redact(url)}: database "${dbText}" is not a number`);
    t.db = Number(dbText);
  }
  if (auth) {
    const [user = '', pass] = splitOnce(auth, ':');
    if (pass !== undefined) {
      if (user) t.username = decodeURIComponent(user);
      t.password = decodeURIComponent(pass);
    } else t.password = decodeURIComponent(user);
  }
  const q = new URLSearchParams(query);
  for (const [k, v] of q) {
    if (k === 'sentinelUsername') t.sentinelUsername = v;
    else if (k === 'sentinelPassword') t.sentinelPassword = v;
    else if (k === 'db' && /^\d+$/.test(v)) t.db = Number(v);
    else throw new Error(`${redact(url)}: unknown parameter "${k}" (known: sentinelUsername, sentinelPassword, db)`);
  }
  return t;
}

/** The one-string form of a Sentinel target (what the config's `redis.sentinels` becomes). */
export function sentinelUrl(t: SentinelTarget): string {
  const auth = t.password !== undefined ? `${t.username ? encodeURIComponent(t.username) : ''}:${encodeURIComponent(t.password)}@` : '';
  const hosts = t.sentinels.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',');
  const q = new URLSearchParams();
  if (t.sentinelUsername !== undefined) q.set('sentinelUsername', t.sentinelUsername);
  if (t.sentinelPassword !== undefined) q.set('sentinelPassword', t.sentinelPassword);
  const qs = q.toString();
  return `${t.tls ? 'rediss' : 'redis'}+sentinel://${auth}${hosts}/${encodeURIComponent(t.name)}${t.db !== undefined ? `/${t.db}` : ''}${qs ? `?${qs}` : ''}`;
}

/**
 * ioredis options for a Sentinel target (plain data, so this file needs no ioredis), or null when
 * `url` names one server. A client finds the new primary when the sentinels drop its connection to
 * the demoted one, or when that one refuses a write (`reconnectOnFailoverError`). ioredis's
 * `failoverDetector` is left off: a client that uses it never exits after `quit()` (ioredis 5.11
 * keeps its sentinel subscriptions open).
 */
export function sentinelOptions(url: string): Record<string, unknown> | null {
  const t = parseSentinelUrl(url);
  if (!t) return null;
  return {
    sentinels: t.sentinels,
    name: t.name,
    role: 'master',
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
    ...(t.sentinelUsername !== undefined ? { sentinelUsername: t.sentinelUsername } : {}),
    ...(t.sentinelPassword !== undefined ? { sentinelPassword: t.sentinelPassword } : {}),
    ...(t.db !== undefined ? { db: t.db } : {}),
    ...(t.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/**
 * Errors after which a client should reconnect (and so ask the sentinels again) and resend the
 * command: the server it reached was demoted (READONLY), or refuses writes because it lost its
 * replicas (NOREPLICAS, `min-replicas-to-write`). Neither ran the command, so resending is safe.
 */
export function reconnectOnFailoverError(err: Error): 2 | false {
  return /^(READONLY|NOREPLICAS|MASTERDOWN|LOADING)\b/.test(err.message) ? 2 : false;
}

export interface ClusterTarget {
  nodes: SentinelAddress[];
  username?: string;
  password?: string;
  tls: boolean;
}

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//;

/** Whether this target names a Redis Cluster. */
export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/** Parse a `redis+cluster://` target; throws an Error saying what is wrong. Null for other URLs. */
export function parseClusterUrl(url: string): ClusterTarget | null {
  const scheme = CLUSTER_SCHEME.exec(url);
  if (!scheme) return null;
  const rest = url.slice(scheme[0].length).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at === -1 ? '' : rest.slice(0, at);
  const hosts = at === -1 ? rest : rest.slice(at + 1);
  if (hosts.includes('/') || hosts.includes('?')) throw new Error(`${redact(url)}: a Cluster has no database number or parameters (redis+cluster://host:port,host:port)`);
  const nodes = hosts.split(',').filter(Boolean).map((hp) => hostPort(hp, url));
  if (!nodes.length) throw new Error(`${redact(url)}: no node host:port`);
  const t: ClusterTarget = { nodes, tls: scheme[1] === 'rediss' };
  if (auth) {
    const [user = '', pass] = splitOnce(auth, ':');
    if (pass !== undefined) {
      if (user) t.username = decodeURIComponent(user);
      t.password = decodeURIComponent(pass);
    } else t.password = decodeURIComponent(user);
  }
  return t;
}

/** The one-string form of a Cluster target (what the config's `redis.cluster` becomes). */
export function clusterUrl(t: ClusterTarget): string {
  const auth = t.password !== undefined ? `${t.username ? encodeURIComponent(t.username) : ''}:${encodeURIComponent(t.password)}@` : '';
  return `${t.tls ? 'rediss' : 'redis'}+cluster://${auth}${t.nodes.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',')}`;
}

/**
 * On a Cluster every key of one bb installation must live in one hash slot: BullMQ's scripts and
 * bb's transactions touch several keys at once. Every key starts with the prefix, so a prefix
 * that is one hash tag (`{bb}`) does it, and puts the installation on one shard.
 */
export const HASH_TAG_PREFIX = /^\{[A-Za-z0-9_.-]+\}$/;

/** The target with any password replaced by `***`, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^@/]*:)[^@/]*@/, '$1***@').replace(/(sentinelPassword=)[^&]*/, '$1***');
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i === -1 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

function hostPort(hp: string, url: string): SentinelAddress {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(hp);
  if (!m) throw new Error(`${redact(url)}: "${hp}" is not host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`${redact(url)}: port ${m[2]} is out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
