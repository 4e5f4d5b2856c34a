import { echo, oneLine, safeHtml } from '../util/safe-text.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log.js';
import type { BotApi } from './api.js';
import { ActionError } from '../actions/error.js';
import { CommandError, UsageError, isReadOnly, type CommandSpec, type Reply } from './command.js';
import { addressedText, distance, splitWords } from './parse.js';
import { CommandRegistry } from './registry.js';
import { clock } from './backlog.js';
import type { ChatMessage } from './transport.js';

export interface Authorizer {
  /** null when allowed, else why not and what would allow it. */
  deny(spec: CommandSpec, message: ChatMessage): Promise<string | null>;
}

export interface RateLimit {
  /** Commands per user in `windowMs`. */
  max: number;
  windowMs: number;
}

/**
 * Turns a chat message into a command run and its reply. Parsing, "did you mean", usage on bad
 * arguments, permission checks, per-user rate limits and the two-message error rule (technical
 * detail to the log, a fixed phrase with a correlation id to chat) all live here, once for every
 * transport.
 */
export class CommandRouter {
  readonly registry: CommandRegistry;
  private readonly recent = new Map<string, number[]>();

  constructor(
    specs: CommandSpec[],
    private readonly api: BotApi,
    private readonly log: Logger,
    private readonly authorizer: Authorizer,
    private readonly rate: RateLimit = { max: 20, windowMs: 60_000 },
    private readonly now: () => number = Date.now,
  ) {
    this.registry = new CommandRegistry(specs);
  }

  /**
   * The reply to a message, or null when the message is not for the bot (or is one more of a
   * flood already told to slow down). `alsoCalled`: another name the bot answers to on the
   * message's transport (its IRC nick, when it differs from the bot's name).
   */
  async handle(message: ChatMessage, alsoCalled?: string): Promise<Reply | null> {
    const reply = await this.answer(message, alsoCalled);
    return reply && cleanReply(reply);
  }

  private async answer(message: ChatMessage, alsoCalled?: string): Promise<Reply | null> {
    const text = addressedText(message.text, this.api.botName, message.isDirect, alsoCalled ? [alsoCalled] : []);
    if (text === null) return null;
    const words = splitWords(text);
    if (!words.length) return { lines: [`Hi! Say "${this.api.botName}: help" to see what I can do.`] };
    const limit = this.limited(message);
    if (limit === 'warn') return { lines: [`${message.sender}: slow down a little; try again in a minute.`] };
    if (limit === 'quiet') return null;
    const found = this.registry.match(words);
    if (!found) return { lines: [this.unknown(words)] };
    const { spec } = found;
    const { args, options, bad } = this.splitOptions(spec, words.slice(found.used));
    if (bad) return { lines: [`${bad}. Usage: ${usage(spec)}`] };
    if ((spec.minArgs !== undefined && args.length < spec.minArgs) || (spec.maxArgs !== undefined && args.length > spec.maxArgs)) {
      return { lines: [`Usage: ${usage(spec)}`] };
    }
    if (message.late && !isReadOnly(spec, args)) {
      return { lines: [`${message.sender}: I was away when you said "${echo(words.join(' '))}" (${clock(message.saidAt ?? this.now(), this.now())}); say it again if you still want it.`] };
    }
    if (spec.permission === 'dangerous' || (spec.permission === 'channel' && !message.isDirect && !isReadOnly(spec, args))) {
      const why = await this.authorizer.deny(spec, message);
      if (why) return { lines: [`Sorry, ${message.sender}, you may not ${spec.name}: ${why}`] };
    }
    try {
      const out = await spec.run({ args, options, message, api: this.api, spec });
      const reply = typeof out === 'string' ? { lines: [out] } : Array.isArray(out) ? { lines: out } : out;
      // A channel reply is cut shorter than a DM: a cut one says how to get it whole.
      if (!reply.moreHint && !message.isDirect) reply.moreHint = `say "${clipHint(text)}" to me by DM for all of it`;
      return message.late ? lateReply(reply, message.saidAt ?? this.now(), this.now()) : reply;
    } catch (err) {
      if (err instanceof UsageError) return { lines: [`${err.message ? `${err.message}. ` : ''}Usage: ${usage(spec)}`] };
      if (err instanceof CommandError || err instanceof ActionError) return { lines: [err.message] };
      const id = randomBytes(4).toString('hex');
      this.log.error({ err, command: spec.name, correlationId: id, sender: message.sender }, 'chat command failed');
      return { lines: [`Something went wrong running "${spec.name}" (error ${id}); the details are in the master's log.`] };
    }
  }

  private splitOptions(spec: CommandSpec, words: string[]): { args: string[]; options: Record<string, string | true>; bad?: string } {
    const args: string[] = [];
    const options: Record<string, string | true> = {};
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (!w.startsWith('--') || w === '--') {
        args.push(w);
        continue;
      }
      const [name, inline] = w.slice(2).split('=', 2) as [string, string | undefined];
      const kind = spec.options?.[name];
      if (!kind) return { args, options, bad: `unknown option --${echo(name)}` };
      if (kind === 'flag') options[name] = true;
      else {
        const value = inline ?? words[++i];
        if (value === undefined) return { args, options, bad: `--${echo(name)} needs a value` };
        options[name] = value;
      }
    }
    return { args, options };
  }

  private unknown(words: string[]): string {
    // No command name is longer than NAME_CAP: a longer word cannot be near one, and comparing
    // only its head keeps the distance cheap for any input length.
    const said = words.slice(0, 2).join(' ').toLowerCase().slice(0, NAME_CAP);
    const first = words[0]!.toLowerCase().slice(0, NAME_CAP);
    let best: { name: string; d: number } | undefined;
    for (const name of this.registry.names()) {
      const d = Math.min(distance(first, name), distance(said, name));
      if (!best || d < best.d) best = { name, d };
    }
    const hint = best && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? ` Did you mean "${best.name}"?` : '';
    return `I don't know "${echo(words[0]!)}".${hint} Say "${this.api.botName}: help" for the list.`;
  }

  /** Over the limit: the first message is told to slow down ('warn'), the rest of the flood is not answered ('quiet'). */
  private limited(message: ChatMessage): 'ok' | 'warn' | 'quiet' {
    const who = `${message.transport}:${message.account ?? message.sender}`;
    // Counted from when it was said: a backlog said over an hour is not a flood when it arrives at once.
    const said = Math.min(message.saidAt ?? this.now(), this.now());
    const times = (this.recent.get(who) ?? []).filter((t) => t <= said && said - t < this.rate.windowMs);
    times.push(said);
    this.recent.set(who, times);
    if (times.length <= this.rate.max) return 'ok';
    return times.length === this.rate.max + 1 ? 'warn' : 'quiet';
  }
}

/** A read-only command said while bb was away: answered, saying when it was asked. */
function lateReply(reply: Reply, saidAt: number, now: number): Reply {
  const [first = '', ...rest] = reply.lines;
  return { ...reply, lines: [`[asked ${clock(saidAt, now)}, while I was away] ${first}`, ...rest] };
}

/** Longer than any command name plus its "did you mean" slack. */
const NAME_CAP = 48;

/**
 * Every reply, whatever a command put in it, leaves as the lines the command meant: a CR, LF or
 * other control character inside a line (from a commit author, a test name, what someone said)
 * cannot start a line of its own or add IRC formatting or a bidirectional override.
 */
function cleanReply(reply: Reply): Reply {
  const lines = reply.lines.map(oneLine).filter((l) => l !== '');
  return { lines, ...(reply.html === undefined ? {} : { html: safeHtml(reply.html) }), ...(reply.moreHint ? { moreHint: oneLine(reply.moreHint) } : {}) };
}

function clipHint(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

export function usage(spec: CommandSpec): string {
  return `${spec.name}${spec.usage ? ` ${spec.usage}` : ''}`;
}
