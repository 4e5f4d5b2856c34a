import { describe, expect, it } from 'vitest';
import { checkRawConfig as load, configProblems as problems } from '../harness/config-check.js';
import { redisUrlOf } from '../../src/config/schema.js';
import { parseClusterUrl, parseSentinelUrl, reconnectOnFailoverError, redact, sentinelOptions, sentinelUrl } from '../../src/model/redis-target.js';

const SECRET = 'a-secret-of-enough-length';
const base = (redis: Record<string, unknown>) => ({
  redis,
  executors: [{ name: 'a', secret: SECRET }],
  builders: [{ name: 'linux', executors: ['a'], steps: [{ type: 'shell', command: 'true' }] }],
});

describe('redis: Sentinel targets', () => {
  it('the config form becomes one redis+sentinel:// target every process can take', () => {
    const { config } = load(base({ sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2' }], name: 'mymaster', password: 'p@ss/w', db: 2 }));
    const url = redisUrlOf(config.redis)!;
    expect(url).toBe('redis+sentinel://:p%40ss%2Fw@10.0.0.1:26379,10.0.0.2:26379/mymaster/2');
    expect(parseSentinelUrl(url)).toEqual({ sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }], name: 'mymaster', password: 'p@ss/w', db: 2, tls: false });
    expect(redact(url)).toBe('redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:26379/mymaster/2');
  });

  it('a URL form with a user, sentinel credentials and TLS gives ioredis its Sentinel options', () => {
    const url = 'rediss+sentinel://bbmaster:secret@[::1]:26379,s2:26380/ci?sentinelPassword=sp';
    expect(sentinelOptions(url)).toEqual({
      sentinels: [{ host: '::1', port: 26379 }, { host: 's2', port: 26380 }],
      name: 'ci', role: 'master', username: 'bbmaster', password: 'secret', sentinelPassword: 'sp',
      tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true,
    });
    expect(sentinelUrl(parseSentinelUrl(url)!)).toBe(url);
    expect(sentinelOptions('redis://127.0.0.1:6379')).toBeNull();
  });

  it('bad targets are reported with their path and what to write', () => {
    expect(problems(base({ sentinels: [{ host: 'a', port: 26379 }] }))).toEqual([
      "redis.name: required with sentinels: the primary's name as the sentinels know it (`sentinel monitor NAME …`), e.g. 'mymaster'",
    ]);
    expect(problems(base({ name: 'mymaster' }))).toEqual(['redis.sentinels: name is for Sentinel: list the sentinels too, e.g. sentinels: [{ host: "10.0.0.1", port: 26379 }]']);
    expect(problems(base({ url: 'redis://x:6379', sentinels: [{ host: 'a' }], name: 'm' }))).toEqual(['redis.url: give either url or sentinels + name, not both']);
    expect(problems(base({ sentinels: [{ host: 'a', port: 99999 }], name: 'm' }))[0]).toBe('redis.sentinels[0].port: must be at most 65535, got the number 99999');
    expect(problems(base({ sentinels: [], name: 'm' }))[0]).toMatch(/^redis\.sentinels: list at least one sentinel/);
    expect(problems(base({ url: 'http://x' }))).toEqual(['redis.url: expected redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://']);
    expect(problems(base({ url: 'redis+sentinel://:pw@a:26379' }))).toEqual(['redis.url: redis+sentinel://:***@a:26379: no primary name after the hosts (redis+sentinel://host:26379/mymaster)']);
    expect(problems(base({ url: 'redis+sentinel://a/m' }))).toEqual(['redis.url: redis+sentinel://a/m: "a" is not host:port']);
    expect(problems(base({ password: 'x' }))).toEqual(['redis.password: password is for Sentinel or Cluster (with sentinels + name, or cluster); with url, put it in the URL']);
  });

  it('a Cluster: the config form becomes one redis+cluster:// target, and its prefix must be a hash tag', () => {
    const { config } = load(base({ cluster: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }], prefix: '{bb}', password: 'pw' }));
    expect(redisUrlOf(config.redis)).toBe('redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7000');
    expect(parseClusterUrl('rediss+cluster://u:p@a:7000/')).toEqual({ nodes: [{ host: 'a', port: 7000 }], username: 'u', password: 'p', tls: true });
    expect(problems(base({ url: 'redis+cluster://a:7000', prefix: 'ci' }))).toEqual([
      "redis.prefix: on a Redis Cluster the prefix must be one hash tag such as '{ci}', so that every key of this installation is in one slot (BullMQ's queues and bb's transactions need that); got 'ci'",
    ]);
    expect(problems(base({ url: 'redis+cluster://a:7000/2', prefix: '{ci}' }))).toEqual(['redis.url: redis+cluster://a:7000/2: a Cluster has no database number or parameters (redis+cluster://host:port,host:port)']);
    expect(problems(base({ cluster: [{ host: 'a', port: 7000 }], sentinels: [{ host: 'b' }], name: 'm', prefix: '{ci}' }))).toEqual(['redis.cluster: give one of url, sentinels + name, or cluster']);
    expect(problems(base({ cluster: [{ host: 'a', port: 7000 }], prefix: '{ci}', waitReplicas: 1 }))).toEqual(['redis.waitReplicas: not supported on a Redis Cluster (WAIT must reach the node that took the write)']);
  });

  it('a demoted or write-refusing primary makes the client reconnect and resend; other errors do not', () => {
    expect(reconnectOnFailoverError(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnectOnFailoverError(new Error('NOREPLICAS Not enough good replicas to write.'))).toBe(2);
    expect(reconnectOnFailoverError(new Error('ERR wrong number of arguments'))).toBe(false);
  });
});
