import { describe, expect, it } from 'vitest';
import { isPlainRedisUrl, parseReply, RespError } from '../../src/queue/resp.js';

describe("sendchange's small Redis reply reader", () => {
  it('reads each kind of reply and where it ends', () => {
    const b = Buffer.from('+OK\r\n:42\r\n$5\r\nhällo\r\n'.replace('hällo', 'héllo'));
    const first = parseReply(b, 0)!;
    expect(first).toEqual({ value: 'OK', end: 5 });
    const second = parseReply(b, first.end)!;
    expect(second.value).toBe(42);
    // A bulk string's length is in bytes: é is two.
    const bulk = Buffer.from('$6\r\nhéllo\r\n*3\r\n:1\r\n$-1\r\n+x\r\n');
    const third = parseReply(bulk, 0)!;
    expect(third.value).toBe('héllo');
    expect(parseReply(bulk, third.end)).toEqual({ value: [1, null, 'x'], end: bulk.length });
  });

  it('says a reply is incomplete until all of it is there, and turns errors into RespError values', () => {
    const whole = Buffer.from('*2\r\n$3\r\nabc\r\n:7\r\n');
    for (let cut = 0; cut < whole.length; cut++) expect(parseReply(whole.subarray(0, cut), 0)).toBeNull();
    const err = parseReply(Buffer.from('-NOAUTH Authentication required.\r\n'), 0)!;
    expect(err.value).toBeInstanceOf(RespError);
    expect((err.value as RespError).message).toBe('NOAUTH Authentication required.');
  });

  it('takes only single-server URLs; Sentinel and Cluster targets go through ioredis', () => {
    expect(isPlainRedisUrl('redis://127.0.0.1:6379')).toBe(true);
    expect(isPlainRedisUrl('rediss://u:p@redis.example.org:6380/2')).toBe(true);
    expect(isPlainRedisUrl('redis+sentinel://s1:26379/mymaster')).toBe(false);
    expect(isPlainRedisUrl('redis+cluster://n1:7000,n2:7001')).toBe(false);
  });
});
