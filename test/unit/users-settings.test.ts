import { describe, expect, it } from 'vitest';
import { checkQuietHours, checkTimeZone, clockIn, describeQuietHours, describeTimeZone, isOff, parseClock, parseQuietHours, parseQuietSetting, parseSettingPairs, SettingError } from '../../src/users/settings.js';
import { withPreferredEmails, type User } from '../../src/model/user.js';
import { userRequestSchema } from '../../src/users/control.js';

const user = (u: Partial<User>): User => ({ name: 'warner', emails: [], authors: [], createdAt: 0, ...u });

describe('users: settings', () => {
  it('time zones: IANA names Intl knows, in their canonical case; offsets and inventions refused', () => {
    expect(checkTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone(' America/Los_Angeles ')).toBe('America/Los_Angeles');
    expect(checkTimeZone('UTC')).toBe('UTC');
    expect(checkTimeZone('utc')).toBe('UTC');
    // A link keeps the name it was given (Intl would say Asia/Calcutta).
    expect(checkTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(checkTimeZone('Etc/GMT+1')).toBe('Etc/GMT+1');
    for (const bad of ['Mars/Base', '+01:00', '-05:00', 'UTC+01:00', 'GMT+1', '', 'Europe/Berlin/Mitte', 'x'.repeat(65)]) {
      expect(() => checkTimeZone(bad), bad).toThrow(SettingError);
    }
    expect(() => checkTimeZone('Mars/Base')).toThrow('time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin');
  });

  it('quiet hours: HH:MM-HH:MM, overnight allowed, the same time twice refused', () => {
    expect(parseQuietHours('22:00-07:00')).toEqual({ from: '22:00', to: '07:00' });
    expect(parseQuietHours('9:30 - 17:45')).toEqual({ from: '09:30', to: '17:45' });
    expect(parseQuietHours('00:00-23:59')).toEqual({ from: '00:00', to: '23:59' });
    expect(() => parseQuietHours('22:00-22:00')).toThrow('quiet hours 22:00-22:00 begin and end at the same time: give a range such as 22:00-07:00, or none');
    expect(() => parseQuietHours('22:00-7:00')).not.toThrow();
    expect(() => parseQuietHours('22:00-07:00 ')).not.toThrow();
    for (const bad of ['24:00-07:00', '22:60-07:00', '22-07', '22:00', '22:00-07:00-08:00', 'night', '2200-0700', '']) {
      expect(() => parseQuietHours(bad), bad).toThrow(/write HH:MM-HH:MM, e.g. 22:00-07:00/);
    }
    expect(() => checkQuietHours({ from: '7:00', to: '07:00' })).toThrow(/begin and end at the same time/);
    expect(parseClock('7:05')).toBe('07:05');
    expect(parseClock('23:59')).toBe('23:59');
    expect(parseClock('7:5')).toBeNull();
    expect(isOff('OFF')).toBe(true);
    expect(isOff('none')).toBe(true);
    expect(isOff('22:00-07:00')).toBe(false);
    expect(parseQuietSetting('off')).toBe(false);
    expect(parseQuietSetting('Default')).toBeNull();
    expect(parseQuietSetting('1:00-2:00')).toEqual({ from: '01:00', to: '02:00' });
  });

  it('says whose setting applies: the user\'s own, none, or bb\'s default', () => {
    const d = { timeZone: 'UTC', quietHours: { from: '22:00', to: '08:00' } };
    expect(describeQuietHours({ from: '23:00', to: '06:00' }, d)).toBe('quiet hours 23:00-06:00');
    expect(describeQuietHours(false, d)).toBe('no quiet hours');
    expect(describeQuietHours(undefined, d)).toBe("bb's default quiet hours (22:00-08:00)");
    expect(describeQuietHours(undefined, { ...d, quietHours: false })).toBe("bb's default quiet hours (none)");
    expect(describeTimeZone('Europe/Berlin', d)).toBe('time zone Europe/Berlin');
    expect(describeTimeZone(undefined, d)).toBe("bb's default time zone (UTC)");
  });

  it('the time of day in a zone', () => {
    const noonUtc = Date.UTC(2024, 0, 15, 12, 0);
    expect(clockIn('UTC', noonUtc)).toBe('12:00');
    expect(clockIn('Europe/Berlin', noonUtc)).toBe('13:00');
    expect(clockIn('America/Los_Angeles', Date.UTC(2024, 6, 15, 7, 30))).toBe('00:30');
  });

  it('reads "user set" pairs from chat', () => {
    expect(parseSettingPairs(['tz=Europe/Berlin', 'quiet=22:00-07:00'])).toEqual({ timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } });
    expect(parseSettingPairs(['quiet-hours=off'])).toEqual({ quietHours: false });
    expect(parseSettingPairs(['quiet=default'])).toEqual({ quietHours: null });
    expect(parseSettingPairs(['TimeZone=UTC'])).toEqual({ timeZone: 'UTC' });
    expect(() => parseSettingPairs([])).toThrow(/say what to set/);
    expect(() => parseSettingPairs(['colour=blue'])).toThrow('"colour=blue" is not a setting: write tz=ZONE or quiet=HH:MM-HH:MM (or quiet=off, quiet=default)');
    expect(() => parseSettingPairs(['Europe/Berlin'])).toThrow(/is not a setting/);
    expect(() => parseSettingPairs(['tz='])).toThrow('tz= needs a value');
    expect(() => parseSettingPairs(['tz=UTC', 'timezone=UTC'])).toThrow('timezone is given twice');
    expect(() => parseSettingPairs(['quiet=22:00-22:00'])).toThrow(/same time/);
    expect(() => parseSettingPairs(['tz=Mars/Base'])).toThrow('time zone "Mars/Base" is not an IANA time zone, e.g. Europe/Berlin');
  });

  it('preferred addresses go first, without repeating one', () => {
    const u = user({ emails: ['old@x.org', 'New@y.org'] });
    expect(withPreferredEmails(u, ['new@y.org']).emails).toEqual(['new@y.org', 'old@x.org']);
    expect(withPreferredEmails(u, ['a@z.org', 'b@z.org', 'A@z.org']).emails).toEqual(['a@z.org', 'b@z.org', 'old@x.org', 'New@y.org']);
    expect(u.emails).toEqual(['old@x.org', 'New@y.org']);
  });

  it('the set request: quiet hours may be false (none) or null (the default), the name must be a bb user name', () => {
    const base = { v: 1, type: 'user', op: 'set' } as const;
    expect(userRequestSchema.parse({ ...base, name: 'warner', quietHours: null })).toMatchObject({ op: 'set', quietHours: null, emails: [] });
    expect(userRequestSchema.parse({ ...base, name: 'warner', quietHours: false })).toMatchObject({ quietHours: false });
    expect(userRequestSchema.safeParse({ ...base, name: 'warner', quietHours: true }).success).toBe(false);
    expect(userRequestSchema.safeParse({ ...base, name: 'bad name', timeZone: 'UTC' }).success).toBe(false);
    expect(userRequestSchema.safeParse({ ...base, name: 'warner', matrixId: 'alice' }).success).toBe(false);
    expect(userRequestSchema.safeParse({ ...base, name: 'warner', ircAccount: 'two words' }).success).toBe(false);
  });
});
