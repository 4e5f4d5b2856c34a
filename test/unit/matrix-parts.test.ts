import { describe, expect, it } from 'vitest';
import { addressByName, incomingText, stripReplyFallback } from '../../src/chat/matrix/incoming.js';
import { InviteGate } from '../../src/chat/matrix/invite-policy.js';
import { capNotice } from '../../src/chat/matrix/outgoing.js';
import { powerOf } from '../../src/chat/matrix/power.js';
import { idleSecondsFrom } from '../../src/chat/matrix/presence.js';
import { rateLimitWaitMs, retryRateLimited } from '../../src/chat/matrix/rate-limit.js';

const BOT = '@bb:example.org';

function text(body: string, extra: Record<string, unknown> = {}, sender = '@alice:example.org'): unknown {
  return { type: 'm.room.message', sender, content: { msgtype: 'm.text', body, ...extra } };
}

describe('incomingText', () => {
  it('takes m.text from others', () => {
    expect(incomingText(text('bb: status'), BOT, 'bb')).toBe('bb: status');
  });

  it('ignores notices, its own messages, edits and other events', () => {
    expect(incomingText(text('bb: status', { msgtype: 'm.notice' }), BOT, 'bb')).toBeNull();
    expect(incomingText(text('bb: status', {}, BOT), BOT, 'bb')).toBeNull();
    expect(incomingText(text('* bb: status', { 'm.relates_to': { rel_type: 'm.replace', event_id: '$x' } }), BOT, 'bb')).toBeNull();
    expect(incomingText({ type: 'm.room.member', sender: '@a:b', content: {} }, BOT, 'bb')).toBeNull();
  });

  it('drops the quoted part of a reply', () => {
    expect(stripReplyFallback('> <@bb:example.org> build 12 failed\n> on linux\n\nbb: why')).toBe('bb: why');
    expect(stripReplyFallback('no quote')).toBe('no quote');
  });

  it('reads a mention by Matrix ID as one by name', () => {
    expect(addressByName('@bb:example.org: status', BOT, 'bb')).toBe('bb: status');
    expect(addressByName('@bb:example.org status', BOT, 'bb')).toBe('bb: status');
    expect(addressByName('@bb:example.orgx status', BOT, 'bb')).toBe('@bb:example.orgx status');
  });
});

describe('InviteGate', () => {
  it('allows listed users, whole servers and listed rooms', () => {
    const gate = new InviteGate({ users: ['@alice:example.org', '*:corp.example'], rooms: ['!ops'] });
    expect(gate.allows('@alice:example.org', '!any')).toBe(true);
    expect(gate.allows('@zed:corp.example', '!any')).toBe(true);
    expect(gate.allows('@mallory:evil.example', '!ops')).toBe(true);
    expect(gate.allows('@mallory:evil.example', '!other')).toBe(false);
    gate.addRoomId('!other');
    expect(gate.allows('@mallory:evil.example', '!other')).toBe(true);
  });

  it('allows nobody by default', () => {
    expect(new InviteGate().allows('@alice:example.org', '!room')).toBe(false);
  });
});

describe('capNotice', () => {
  it('keeps short messages and their HTML', () => {
    expect(capNotice('hi', '<b>hi</b>')).toEqual({ text: 'hi', html: '<b>hi</b>' });
  });

  it('cuts long text, marks it, and drops the HTML', () => {
    const out = capNotice('x'.repeat(100), '<p>x</p>', 60, 'the web page');
    expect(out.html).toBeUndefined();
    expect(out.text.length).toBeLessThanOrEqual(60);
    expect(out.text.endsWith('(cut: message too long; the rest: the web page)')).toBe(true);
  });

  it('drops HTML too big for one event', () => {
    expect(capNotice('short', `<p>${'é'.repeat(30_000)}</p>`).html).toBeUndefined();
  });
});

describe('powerOf', () => {
  const levels = { type: 'm.room.power_levels', state_key: '', sender: '@alice:x', content: { users: { '@carol:x': 50 }, users_default: 0 } };
  it('reads power levels, with creators on top from room version 12', () => {
    const v12 = [{ type: 'm.room.create', state_key: '', sender: '@alice:x', content: { room_version: '12', additional_creators: ['@bob:x'] } }, levels];
    expect(powerOf(v12, '@alice:x')).toBe(Infinity);
    expect(powerOf(v12, '@bob:x')).toBe(Infinity);
    expect(powerOf(v12, '@carol:x')).toBe(50);
    expect(powerOf(v12, '@dave:x')).toBe(0);
  });

  it('gives creators of older rooms only their listed level', () => {
    const v10 = [{ type: 'm.room.create', state_key: '', sender: '@alice:x', content: { room_version: '10' } }, levels];
    expect(powerOf(v10, '@alice:x')).toBe(0);
  });
});

describe('idleSecondsFrom', () => {
  it('is 0 while active, seconds since last activity, or null when unknown', () => {
    expect(idleSecondsFrom({ currentlyActive: true, lastActiveAgo: 90_000 })).toBe(0);
    expect(idleSecondsFrom({ currentlyActive: false, lastActiveAgo: 90_500 })).toBe(90);
    expect(idleSecondsFrom({ state: 'offline' })).toBeNull();
  });
});

describe('retryRateLimited', () => {
  it('waits as the server asks and tries again', async () => {
    let calls = 0;
    const out = await retryRateLimited(async () => {
      calls++;
      if (calls < 3) throw Object.assign(new Error('slow down'), { statusCode: 429, errcode: 'M_LIMIT_EXCEEDED', retryAfterMs: 5 });
      return 'sent';
    });
    expect(out).toBe('sent');
    expect(calls).toBe(3);
  });

  it('passes other errors through at once', async () => {
    let calls = 0;
    const failing = retryRateLimited(async () => {
      calls++;
      throw Object.assign(new Error('forbidden'), { statusCode: 403 });
    });
    await expect(failing).rejects.toThrow('forbidden');
    expect(calls).toBe(1);
    expect(rateLimitWaitMs({ statusCode: 429 })).toBe(1000);
  });
});
