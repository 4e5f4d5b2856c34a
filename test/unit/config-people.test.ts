import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { SECRET, problemsOf, writeModule } from './config-helpers.js';

const body = (users: string) =>
  `export default defineConfig({ executors: [{ name: 'e', secret: '${SECRET}' }], builders: [{ name: 'b', executors: ['e'], steps: [{ type: 'checkout' }] }], users: ${users} });`;

describe('users.people (people declared in the config)', () => {
  it('loads every field; without people the list is empty', async () => {
    const people = `{ admins: ['alice'], people: [
      { name: 'alice', fullName: 'Alice Liddell', emails: ['alice@example.org', 'al@home.example'], irc: { nick: 'alice', account: 'alice' },
        matrix: '@alice:example.org', timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } },
      { name: 'bob', emails: ['bob@example.org'], quietHours: false },
    ] }`;
    const { config } = await loadConfig(writeModule(body(people)));
    expect(config.users.people).toEqual([
      { name: 'alice', fullName: 'Alice Liddell', emails: ['alice@example.org', 'al@home.example'], irc: { nick: 'alice', account: 'alice' }, matrix: '@alice:example.org', timeZone: 'Europe/Berlin', quietHours: { from: '22:00', to: '07:00' } },
      { name: 'bob', emails: ['bob@example.org'], quietHours: false },
    ]);
    expect((await loadConfig(writeModule(body(`{ admins: [] }`)))).config.users.people).toEqual([]);
    const none = `export default defineConfig({ executors: [{ name: 'e', secret: '${SECRET}' }], builders: [{ name: 'b', executors: ['e'], steps: [{ type: 'checkout' }] }] });`;
    expect((await loadConfig(writeModule(none))).config.users.people).toEqual([]);
  });

  it('names the path of every problem: a bad zone, a duplicate name, an address or account claimed twice', async () => {
    const people = `{ people: [
      { name: 'alice', emails: ['alice@example.org'], irc: { account: 'alice' }, timeZone: 'Mars/Olympus' },
      { name: 'alice', emails: ['ALICE@example.org', 'not-an-address'], irc: { account: 'Alice' }, timeZone: '+01:00' },
      { name: 'carol', matrix: 'carol', quietHours: { from: '25:00', to: '07:00' }, timezone: 'UTC' },
      { name: 'dave', quietHours: { from: '07:00', to: '07:00' } },
    ] }`;
    const problems = await problemsOf(writeModule(body(people)));
    const at = (path: string) => problems.filter((p) => p.path === path).map((p) => p.message);
    expect(at('users.people[0].timeZone')).toEqual(['"Mars/Olympus" is not an IANA time zone, e.g. Europe/Berlin']);
    expect(at('users.people[1].timeZone')).toEqual(['"+01:00" is not an IANA time zone, e.g. Europe/Berlin']);
    expect(at('users.people[1].emails[1]')).toEqual(['an email address']);
    expect(at('users.people[2].matrix')).toEqual(['a Matrix user id like @alice:example.org']);
    expect(at('users.people[2].quietHours.from')).toEqual(['a time of day HH:MM, e.g. 22:00']);
    expect(at('users.people[2].timezone')).toEqual(['unknown option "timezone" (did you mean "timeZone"?)']);
    expect(at('users.people[3].quietHours')).toEqual(['quiet hours begin and end at the same time']);
    // Duplicates are found even next to other problems.
    expect(at('users.people[1].name')).toEqual(['name "alice" is also claimed by people[0] (alice): each belongs to one person']);
    expect(at('users.people[1].emails[0]')).toEqual(['email ALICE@example.org is also claimed by people[0] (alice): each belongs to one person']);
    expect(at('users.people[1].irc.account')).toEqual(['IRC account Alice is also claimed by people[0] (alice): each belongs to one person']);
    expect(problems).toHaveLength(10);
  });

  it('refuses a duplicate name and an address, IRC account or Matrix id claimed by two people', async () => {
    const people = `{ people: [
      { name: 'alice', emails: ['alice@example.org'], irc: { account: 'alice' }, matrix: '@alice:example.org' },
      { name: 'Alice', emails: ['other@example.org'] },
      { name: 'bob', emails: ['ALICE@example.org'], irc: { account: 'Alice' }, matrix: '@alice:example.org' },
    ] }`;
    expect(await problemsOf(writeModule(body(people)))).toEqual([
      { path: 'users.people[1].name', message: 'name "Alice" is also claimed by people[0] (alice): each belongs to one person' },
      { path: 'users.people[2].emails[0]', message: 'email ALICE@example.org is also claimed by people[0] (alice): each belongs to one person' },
      { path: 'users.people[2].irc.account', message: 'IRC account Alice is also claimed by people[0] (alice): each belongs to one person' },
      { path: 'users.people[2].matrix', message: 'Matrix id @alice:example.org is also claimed by people[0] (alice): each belongs to one person' },
    ]);
  });
});
