import { CommandError, UsageError } from '../src/chat/command.js';
import { UserControlError, maskEmail, describeQuietHours, describeTimeZone, SettingError, type SettingDefaults } from '../src/chat/kit.js';
import type { User } from '../src/model/user.js';

/** Shared wording of the user commands `my` and `user` (not a command itself). */

/** `Brian Warner <w***@lothar.com>`: the address in an author string masked. */
export function maskAuthor(author: string): string {
  return author.replace(/<([^<>\s]+@[^<>\s]+)>/, (_, address: string) => `<${maskEmail(address)}>`);
}

/**
 * A user in at most four lines for chat. Addresses are masked unless `full` (a DM): a channel is
 * no place to hand out someone's mail address.
 */
export function userLines(u: User, full: boolean, defaults?: SettingDefaults): string[] {
  const email = full ? (e: string) => e : maskEmail;
  const author = full ? (a: string) => a : maskAuthor;
  const chat = [u.ircAccount ? `irc account ${u.ircAccount}` : '', u.ircNick ? `irc nick ${u.ircNick}` : '', u.matrixId ? `matrix ${u.matrixId}` : ''].filter(Boolean);
  const lines = [
    `${u.name}${u.fullName ? ` (${u.fullName})` : ''}`,
    [u.emails.length ? `emails: ${u.emails.map(email).join(', ')}` : '', u.authors.length ? `authors: ${u.authors.map(author).join('; ')}` : ''].filter(Boolean).join('; '),
    chat.join(', '),
    `${describeTimeZone(u.timeZone, defaults)}; ${describeQuietHours(u.quietHours, defaults)}`,
  ];
  return lines.filter(Boolean);
}

/** Runs a user request; a refusal goes to chat as it is, a bad setting with the usage. */
export async function refusalsToChat<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UserControlError) throw new CommandError(err.message);
    if (err instanceof SettingError) throw new UsageError(err.message);
    throw err;
  }
}

/** A setting checked before anything is asked of the store: a bad one gets the usage. */
export function setting<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SettingError) throw new UsageError(err.message);
    throw err;
  }
}
