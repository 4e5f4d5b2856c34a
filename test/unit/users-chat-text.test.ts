import { describe, expect, it } from 'vitest';
import { maskAuthor, userLines } from '../../bot-commands/user-text.js';
import type { User } from '../../src/model/user.js';

const user = (u: Partial<User>): User => ({ name: 'warner', emails: [], authors: [], createdAt: 0, ...u });

describe('users: chat wording', () => {
  it('masks the address in an author string, and only that', () => {
    expect(maskAuthor('Brian Warner <warner@lothar.com>')).toBe('Brian Warner <w***@lothar.com>');
    expect(maskAuthor('svnuser')).toBe('svnuser');
  });

  it('shows a user in a few lines: masked in a channel, whole in a DM, empty parts left out', () => {
    const u = user({ fullName: 'Brian Warner', emails: ['warner@lothar.com'], authors: ['B <b@x.org>'], ircAccount: 'Warner', ircNick: 'warner_', timeZone: 'UTC', quietHours: { from: '22:00', to: '07:00' } });
    expect(userLines(u, false)).toEqual(['warner (Brian Warner)', 'emails: w***@lothar.com; authors: B <b***@x.org>', 'irc account Warner, irc nick warner_', 'time zone UTC; quiet hours 22:00-07:00']);
    expect(userLines(u, true)[1]).toBe('emails: warner@lothar.com; authors: B <b@x.org>');
    expect(userLines(user({}), false)).toEqual(['warner', "bb's default time zone; bb's default quiet hours"]);
    expect(userLines(user({ quietHours: false }), false, { timeZone: 'UTC', quietHours: { from: '22:00', to: '08:00' } })).toEqual(['warner', "bb's default time zone (UTC); no quiet hours"]);
  });
});
