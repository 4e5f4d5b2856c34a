import type { LocatedProblem } from '../issues.js';
import { isRecord, strings, type RawRecord } from '../raw.js';

/** `irc:<services account>` or a Matrix user id `@user:server`. */
const IRC_IDENTITY = /^irc:[^\s:,!@*?]+$/;
const MATRIX_IDENTITY = /^@[^\s:]+:\S+$/;
/** A bb user name: granted to whoever verified a claim to that user (`i am user`, then `verify`). */
const BB_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The chat section as a whole: one way to log in on each network, permissions that name verified
 * identities (never bare nicks), and channel-operator grants only for channels the bot joins.
 */
export function checkChat(config: RawRecord): LocatedProblem[] {
  const chat = config.chat;
  if (!isRecord(chat)) return [];
  const irc = isRecord(chat.irc) ? chat.irc : undefined;
  const matrix = isRecord(chat.matrix) ? chat.matrix : undefined;
  const problems: LocatedProblem[] = [];
  if (irc?.sasl !== undefined && irc.nickserv !== undefined) {
    problems.push({ at: ['chat', 'irc'], message: 'give sasl or nickserv, not both (SASL is preferred: it logs in before joining)' });
  }
  if (typeof irc?.nick === 'string' && /[\s,:!@*?]/.test(irc.nick)) {
    problems.push({ at: ['chat', 'irc', 'nick'], message: `"${irc.nick}" is not a valid IRC nick (no spaces or any of , : ! @ * ?)` });
  }
  if (matrix && (matrix.accessToken === undefined) === (matrix.login === undefined)) {
    problems.push({
      at: ['chat', 'matrix'],
      message: `give exactly one of accessToken or login (${matrix.accessToken === undefined ? 'none is set' : 'found both'})`,
    });
  }
  const permissions = isRecord(chat.permissions) ? chat.permissions : undefined;
  for (const { index, value } of strings(permissions, 'users')) {
    if (IRC_IDENTITY.test(value) || MATRIX_IDENTITY.test(value) || BB_USER.test(value)) continue;
    problems.push({
      at: ['chat', 'permissions', 'users', index],
      message: `${JSON.stringify(value)} is not a verified identity; write irc:<services account>, a Matrix user id @user:server, or a bb user name (granted once a claim to it is verified; a bare nick grants nothing)`,
    });
  }
  const joined = new Set(channelNames(irc).map((c) => c.toLowerCase()));
  for (const { index, value } of strings(permissions, 'ircChannelOps')) {
    if (!irc) problems.push({ at: ['chat', 'permissions', 'ircChannelOps', index], message: 'channel operators can only be checked on IRC; configure chat.irc or remove this entry' });
    else if (!joined.has(value.toLowerCase())) {
      problems.push({
        at: ['chat', 'permissions', 'ircChannelOps', index],
        message: `the bot does not join ${value}, so it cannot see its operators; add it to chat.irc.channels`,
      });
    }
  }
  return problems;
}

function channelNames(irc: RawRecord | undefined): string[] {
  const list = irc?.channels;
  if (!Array.isArray(list)) return [];
  return list.flatMap((c: unknown) => (typeof c === 'string' ? [c] : isRecord(c) && typeof c.name === 'string' ? [c.name] : []));
}
