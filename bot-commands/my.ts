import { CommandError, UsageError, type CommandSpec } from '../src/chat/command.js';
import { speakerOf, maskEmail, checkTimeZone, clockIn, describeQuietHours, describeTimeZone, formatQuietHours, parseQuietSetting, type SettingsChange } from '../src/chat/kit.js';
import { refusalsToChat, setting } from './user-text.js';

/**
 * `my settings`, `my timezone <zone>`, `my quiet hours <HH:MM-HH:MM|off|default>`: a verified bb
 * user's own settings. Whoever has not verified an `i am user` claim is told to make one first.
 */
export const myCommand: CommandSpec = {
  name: 'my',
  usage: 'settings | timezone <zone> | quiet hours <HH:MM-HH:MM|off|default>',
  summary: 'your own settings as a verified bb user: time zone and quiet hours',
  help: 'For whoever has verified which bb user they are ("i am user NAME", then "verify CODE"). "my timezone Europe/Berlin" takes an IANA time zone; "my quiet hours 22:00-07:00" are read in your time zone and may run past midnight (bb does not remind you then); "off" means none at all, "default" puts back bb\'s; "my settings" shows what bb has.',
  permission: 'anyone',
  readOnly: (args) => (args[0] ?? 'settings').toLowerCase() === 'settings',
  minArgs: 1,
  async run({ args, message, api }) {
    const [what, ...rest] = args.map((a) => a.toLowerCase());
    const d = api.users.defaults;
    if (what === 'settings' || what === 'setting') {
      if (rest.length) throw new UsageError('');
      const me = await api.users.me(message);
      if (!me.ok) throw new CommandError(me.problem);
      const u = me.user;
      const email = api.users.emailOf(u);
      const zone = u.timeZone ? `time zone ${u.timeZone} (${clockIn(u.timeZone, Date.now())} there now)` : describeTimeZone(undefined, d);
      const lines = [`You are bb user ${u.name}${u.fullName ? ` (${u.fullName})` : ''}: ${zone}, ${describeQuietHours(u.quietHours, d)}, ${email ? `mail goes to ${maskEmail(email)}` : 'no mail address known'}.`];
      if (!u.timeZone || u.quietHours === undefined) lines.push(`Change them with "${api.botName}: my timezone Europe/Berlin" and "${api.botName}: my quiet hours 22:00-07:00".`);
      return lines;
    }
    const change = parseChange(what, args.slice(1), rest);
    const u = await refusalsToChat(() => api.act('mySettings', { speaker: speakerOf(message), ...change }));
    if (change.timeZone !== undefined) return `Your time zone is now ${u.timeZone} (it is ${clockIn(u.timeZone!, Date.now())} there).`;
    if (u.quietHours === false) return 'You have no quiet hours now: bb may remind you at any hour.';
    if (!u.quietHours) return `Your quiet hours are bb's default again (${d.quietHours ? formatQuietHours(d.quietHours) : 'none'}).`;
    const zone = u.timeZone ? `your time zone, ${u.timeZone}` : `bb's default time zone (${d.timeZone}) until you set yours ("${api.botName}: my timezone ZONE")`;
    return `Your quiet hours are now ${formatQuietHours(u.quietHours)}, in ${zone}.`;
  },
};

/** `timezone Europe/Berlin` or `quiet hours 22:00-07:00|off|default` → the change; anything else gets the usage. */
function parseChange(what: string | undefined, raw: string[], lower: string[]): SettingsChange {
  if (what === 'timezone' || what === 'tz' || what === 'time-zone' || (what === 'time' && lower[0] === 'zone')) {
    const zone = what === 'time' ? raw.slice(1) : raw;
    if (zone.length !== 1) throw new UsageError('');
    return { timeZone: setting(() => checkTimeZone(zone[0]!)) };
  }
  if (what === 'quiet' || what === 'quiet-hours') {
    const value = (lower[0] === 'hours' ? raw.slice(1) : raw).join(' ');
    if (!value) throw new UsageError('');
    return { quietHours: setting(() => parseQuietSetting(value)) };
  }
  throw new UsageError('');
}
