import { Command } from 'commander';
import { BbClient } from '../../queue/client.js';
import type { User } from '../../model/user.js';
import type { UserReply } from '../../users/control.js';
import { describeQuietHours, formatQuietHours, parseQuietSetting, SettingError } from '../../users/settings.js';
import { addConnOptions, CliError, connPrefix, connUrl, type ConnOptions } from '../connect.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** `bb user add|set|link|show|remove|list`: manage users through the running master. */
export function userCommand(): Command {
  const cmd = new Command('user').description('manage bb users: the people behind commits, chat identities and email');
  cmd.addCommand(
    addConnOptions(
      new Command('add')
        .description('add a user')
        .argument('<name>', 'bb user name (letters, digits, ".", "_", "-")')
        .option('--full-name <text>', 'full name')
        .option('--email <address>', 'email address (repeatable; the first is preferred)', collect, [])
        .option('--author <string>', 'VCS author string, e.g. "Brian Warner <warner@example.org>" (repeatable)', collect, [])
        .option('--irc-nick <nick>', 'IRC nick')
        .option('--irc-account <account>', 'IRC services account')
        .option('--matrix <id>', 'Matrix user id @user:server')
        .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Berlin')
        .option('--quiet-hours <from-to>', 'quiet hours in the user\'s time zone, e.g. 22:00-07:00, or "off" for none (default: bb\'s, problems.hassle.quietHours)'),
    ).action(async (name: string, o: ConnOptions & AddOptions) => {
      const quiet = o.quietHours ? quietHours(o.quietHours) : undefined;
      const res = await send(o, {
        op: 'add',
        name,
        emails: o.email,
        authors: o.author,
        ...(o.fullName ? { fullName: o.fullName } : {}),
        ...(o.ircNick ? { ircNick: o.ircNick } : {}),
        ...(o.ircAccount ? { ircAccount: o.ircAccount } : {}),
        ...(o.matrix ? { matrixId: o.matrix } : {}),
        ...(o.timeZone ? { timeZone: o.timeZone } : {}),
        ...(quiet !== undefined && quiet !== null ? { quietHours: quiet } : {}),
      });
      if ('user' in res) console.log(`added ${describe(res.user)}`);
    }),
  );
  cmd.addCommand(
    addConnOptions(
      new Command('set')
        .description('change an existing user: what you give replaces what it had')
        .argument('<name>')
        .option('--full-name <text>', 'full name')
        .option('--email <address>', 'add an email address and make it the preferred one (repeatable; the first given is preferred)', collect, [])
        .option('--irc-nick <nick>', 'IRC nick')
        .option('--irc-account <account>', 'IRC services account')
        .option('--matrix <id>', 'Matrix user id @user:server')
        .option('--time-zone <zone>', 'IANA time zone, e.g. Europe/Berlin')
        .option('--quiet-hours <from-to>', 'quiet hours in the user\'s time zone, e.g. 22:00-07:00; "default" for bb\'s (problems.hassle.quietHours)')
        .option('--no-quiet-hours', 'no quiet hours at all: bb may remind them at any hour'),
    ).action(async (name: string, o: ConnOptions & SetOptions) => {
      const quiet = typeof o.quietHours === 'string' ? quietHours(o.quietHours) : o.quietHours;
      const res = await send(o, {
        op: 'set',
        name,
        emails: o.email,
        ...(o.fullName !== undefined ? { fullName: o.fullName } : {}),
        ...(o.ircNick !== undefined ? { ircNick: o.ircNick } : {}),
        ...(o.ircAccount !== undefined ? { ircAccount: o.ircAccount } : {}),
        ...(o.matrix !== undefined ? { matrixId: o.matrix } : {}),
        ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
        ...(quiet !== undefined ? { quietHours: quiet } : {}),
      });
      if ('user' in res) console.log(`set: ${describe(res.user)}${settings(res.user)}`);
    }),
  );
  cmd.addCommand(
    addConnOptions(
      new Command('link')
        .description('attach an identity to a user: irc:<account>, @user:server, email:<address>, or "Full Name <email>"')
        .argument('<name>')
        .argument('<identity>'),
    ).action(async (name: string, identity: string, o: ConnOptions) => {
      const res = await send(o, { op: 'link', name, identity });
      if ('user' in res) console.log(`linked: ${describe(res.user)}`);
    }),
  );
  cmd.addCommand(
    addConnOptions(new Command('show').description('show a user, by name or by any of its identities').argument('<who>')).action(async (who: string, o: ConnOptions) => {
      const res = await send(o, { op: 'show', who });
      if ('user' in res) console.log(details(res.user));
    }),
  );
  cmd.addCommand(
    addConnOptions(new Command('remove').description('remove a user and its identities').argument('<name>')).action(async (name: string, o: ConnOptions) => {
      const res = await send(o, { op: 'remove', name });
      if ('removed' in res) console.log(`removed ${res.removed}`);
    }),
  );
  cmd.addCommand(
    addConnOptions(new Command('list').description('list users')).action(async (o: ConnOptions) => {
      const res = await send(o, { op: 'list' });
      if (!('users' in res)) return;
      if (!res.users.length) console.log('no users yet');
      for (const u of res.users) console.log(describe(u));
    }),
  );
  return cmd;
}

interface AddOptions {
  fullName?: string;
  email: string[];
  author: string[];
  ircNick?: string;
  ircAccount?: string;
  matrix?: string;
  timeZone?: string;
  quietHours?: string;
}

interface SetOptions {
  fullName?: string;
  email: string[];
  ircNick?: string;
  ircAccount?: string;
  matrix?: string;
  timeZone?: string;
  /** false: --no-quiet-hours. */
  quietHours?: string | false;
}

/** `--quiet-hours 22:00-07:00` (or off, default), checked here so a typo never reaches the master. */
function quietHours(text: string) {
  try {
    return parseQuietSetting(text);
  } catch (err) {
    if (err instanceof SettingError) throw new CliError(`--quiet-hours: ${err.message}`, 2);
    throw err;
  }
}

/** `; time zone Europe/Berlin, quiet hours 22:00-07:00`. */
function settings(u: User): string {
  return `; ${u.timeZone ? `time zone ${u.timeZone}` : "bb's default time zone"}, ${describeQuietHours(u.quietHours)}`;
}

async function send(o: ConnOptions, req: Record<string, unknown>): Promise<UserReply> {
  const client = new BbClient(connUrl(o), connPrefix(o));
  try {
    const res = await client.control<UserReply | { error: string }>({ v: 1, type: 'user', ...req });
    if ('error' in res) throw new CliError(`user ${String(req.op)} refused: ${res.error}`);
    return res;
  } finally {
    await client.close();
  }
}

function describe(u: User): string {
  const parts = [u.fullName, u.emails[0]].filter(Boolean).join(', ');
  return parts ? `${u.name} (${parts})` : u.name;
}

function details(u: User): string {
  const rows: Array<[string, string | undefined]> = [
    ['name', u.name],
    ['full name', u.fullName],
    ['emails', u.emails.join(', ') || undefined],
    ['authors', u.authors.join('; ') || undefined],
    ['irc nick', u.ircNick],
    ['irc account', u.ircAccount],
    ['matrix', u.matrixId],
    ['time zone', u.timeZone],
    ['quiet hours', u.quietHours ? formatQuietHours(u.quietHours) : u.quietHours === false ? 'none' : undefined],
  ];
  return rows.filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join('\n');
}
