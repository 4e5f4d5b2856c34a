import { echo } from '../src/util/safe-text.js';
import type { BotApi } from '../src/chat/api.js';
import { CommandError, UsageError } from '../src/chat/command.js';
import type { ChatMessage } from '../src/chat/transport.js';
import type { Problem } from '../src/model/problem.js';
import { headline } from '../src/chat/kit.js';

/** Shared wording and argument checks of the Problem commands (not a command itself). */

export { details, historyLines, oneLine, short } from '../src/chat/kit.js';

/** What fails, in one short line: a few names, or a count and the biggest file. */
export function tests(p: Problem): string {
  return headline(p);
}

export function problemId(arg: string | undefined): number {
  const n = Number((arg ?? '').replace(/^#/, ''));
  if (!arg || !Number.isInteger(n) || n <= 0) throw new UsageError(`"${echo(arg ?? '')}" is not a problem number.`);
  return n;
}

/** The speaker's verified bb user, or null. */
export async function verifiedUser(api: BotApi, message: ChatMessage): Promise<string | null> {
  const me = await api.identity.whoami(message);
  return me.claim?.verified ? me.claim.user : null;
}

/** Who did it, for the record: the verified user, else the chat identity. */
export async function actor(api: BotApi, message: ChatMessage): Promise<string> {
  return (await verifiedUser(api, message)) ?? `${message.transport}:${message.account ?? message.sender}`;
}

export async function mustGet(api: BotApi, id: number): Promise<Problem> {
  const p = await api.problems.get(id);
  if (!p) throw new CommandError(await api.problems.missing(id));
  return p;
}
