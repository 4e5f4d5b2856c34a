import { describe, expect, it } from 'vitest';
import { audienceKey, audienceOf, parseAudienceKey } from '../../src/notify/audience.js';
import type { ChatMessage } from '../../src/chat/transport.js';

const msg = (extra: Partial<ChatMessage>): ChatMessage => ({
  transport: 'irc', channel: '#Dev', replyTo: '#Dev', sender: 'Warner', account: null, text: 'bb: notify', isDirect: false, ...extra,
});

describe('audiences', () => {
  it('a channel message means the channel; IRC names fold case', () => {
    expect(audienceKey(audienceOf(msg({})))).toBe('irc:#dev');
    expect(audienceKey(audienceOf(msg({ transport: 'matrix', channel: '!AbC:hs', replyTo: '!AbC:hs' })))).toBe('matrix:!AbC:hs');
  });

  it('a DM means the sender, by verified account when there is one', () => {
    expect(audienceKey(audienceOf(msg({ isDirect: true, channel: null, replyTo: 'Warner' })))).toBe('dm:irc:warner');
    expect(audienceKey(audienceOf(msg({ isDirect: true, channel: null, replyTo: 'Warner', account: 'BrianW' })))).toBe('dm:irc:brianw');
    expect(audienceKey(audienceOf(msg({ transport: 'matrix', isDirect: true, channel: null, replyTo: '!dm:hs', sender: '@al:hs', account: '@al:hs' })))).toBe('dm:matrix:@al:hs');
  });

  it('keys and config targets parse back', () => {
    expect(parseAudienceKey('matrix:!room:server')).toEqual({ kind: 'channel', transport: 'matrix', channel: '!room:server' });
    expect(parseAudienceKey('irc:#Dev')).toEqual({ kind: 'channel', transport: 'irc', channel: '#dev' });
    expect(parseAudienceKey('dm:matrix:@al:hs')).toEqual({ kind: 'direct', transport: 'matrix', user: '@al:hs' });
    expect(parseAudienceKey('xmpp:#x')).toBeNull();
    expect(parseAudienceKey('irc:')).toBeNull();
  });
});
