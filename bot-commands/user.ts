import { echo } from '../src/util/safe-text.js';
import { UsageError, type CommandSpec } from '../src/chat/command.js';
import { USER_NAME_RE } from '../src/chat/identity.js';
import { speakerOf, describeQuietHours, describeTimeZone, parseSettingPairs } from '../src/chat/kit.js';
import { refusalsToChat, setting, userLines } from './user-text.js';

/**
 * `user show|link|set`: user management from chat, for the bb users in `users.admins` who have
 * verified who they are. The work is the command line's own (`bb user show|link|set`).
 */
export const userCommand: CommandSpec = {
  name: 'user',
  usage: 'show <name|identity> | link <name> <identity> | set <name> [tz=<zone>] [quiet=<HH:MM-HH:MM|off|default>]',
  summary: 'show, link or set a bb user (admins only: users.admins)',
  help: 'For the bb users named in users.admins, once verified ("i am user NAME", then "verify CODE"). "user show warner" (or an identity: irc:warner, @warner:example.org, an address); "user link warner irc:warner" attaches an identity, as "bb user link" does; "user set warner tz=Europe/Berlin quiet=22:00-07:00" (quiet=off: none at all; quiet=default: bb\'s). In a channel, addresses are masked; ask in a DM to see them.',
  permission: 'anyone',
  minArgs: 2,
  async run({ args, message, api }) {
    const [op, name, ...rest] = args as [string, string, ...string[]];
    switch (op.toLowerCase()) {
      case 'show': {
        if (rest.length) throw new UsageError('');
        const u = await refusalsToChat(() => api.act('userByAdmin', { speaker: speakerOf(message), request: { op: 'show', who: name } }));
        return userLines(u, message.isDirect, api.users.defaults);
      }
      case 'link': {
        if (!rest.length) throw new UsageError('');
        checkName(name);
        const identity = rest.join(' ');
        const u = await refusalsToChat(() => api.act('userByAdmin', { speaker: speakerOf(message), request: { op: 'link', name, identity } }));
        return [`Linked ${identity} to ${u.name}.`, ...userLines(u, message.isDirect, api.users.defaults).slice(1)];
      }
      case 'set': {
        checkName(name);
        const change = setting(() => parseSettingPairs(rest));
        const u = await refusalsToChat(() => api.act('userByAdmin', { speaker: speakerOf(message), request: { op: 'set', name, ...change } }));
        const d = api.users.defaults;
        return `${u.name}: ${describeTimeZone(u.timeZone, d)}, ${describeQuietHours(u.quietHours, d)}.`;
      }
      default:
        throw new UsageError('');
    }
  },
};

function checkName(name: string): void {
  if (!USER_NAME_RE.test(name)) throw new UsageError(`"${echo(name)}" is not a bb user name`);
}
