import type { BotApi } from './api.js';
import type { ChatMessage } from './transport.js';

/**
 * Who may run a command. `dangerous` commands are denied unless the config grants them.
 * `channel`: what a channel hears (mute, notify): in a DM anyone changes their own; in a channel
 * changing it needs what `dangerous` needs, or operator status in that channel or room.
 */
export type Permission = 'anyone' | 'dangerous' | 'channel';

export interface CommandContext {
  /** The words after the command name, quotes respected. */
  args: string[];
  /** Options given as `--name value` or `--flag`. */
  options: Record<string, string | true>;
  message: ChatMessage;
  api: BotApi;
  /** The command's own spec (for its usage line). */
  spec: CommandSpec;
}

/** A reply: lines of plain text, and optionally the same as HTML for transports that show it. */
export interface Reply {
  lines: string[];
  html?: string;
  /** Where the rest can be read when a transport cuts the reply (`… 3 more lines: <moreHint>`). */
  moreHint?: string;
}

/**
 * One chat command, declared in one file under bot-commands/. Help is generated from these specs;
 * duplicate names or aliases are a startup error.
 */
export interface CommandSpec {
  /** One or more words: `status`, `force build`. */
  name: string;
  aliases?: string[];
  /** Arguments after the name, e.g. `[builder|all]`. */
  usage: string;
  summary: string;
  /** Longer help shown by `help <command>`. */
  help?: string;
  permission: Permission;
  /**
   * Whether a run with these arguments only reads (default: false). A read-only run of a
   * `channel` command (`notify list`) needs no permission, and a read-only command said while bb
   * was away is run when bb is back, where one that changes something is asked to be said again.
   */
  readOnly?: boolean | ((args: string[]) => boolean);
  /** Options the command accepts (without dashes) and whether they take a value. */
  options?: Record<string, 'value' | 'flag'>;
  /** Smallest and largest number of positional arguments. */
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CommandContext): Promise<Reply | string | string[]>;
}

/** Thrown by a handler when its arguments are wrong: the router replies with the usage. */
export class UsageError extends Error {}

/** Thrown by a handler for an expected refusal (unknown builder, …): the message goes to chat as is. */
export class CommandError extends Error {}

/** Whether `spec` run with `args` only reads. */
export function isReadOnly(spec: CommandSpec, args: string[]): boolean {
  return typeof spec.readOnly === 'function' ? spec.readOnly(args) : spec.readOnly === true;
}
