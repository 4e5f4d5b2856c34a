import type { OutboxOptions } from '../chat/outbox.js';
import type { ChatTransport, Presence, TransportKind } from '../chat/transport.js';
import type { UsersConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { emailFor } from '../users/email.js';
import type { Mail, Mailer } from '../users/mailer.js';
import type { User } from '../model/user.js';

/** What the reach needs of the chat bot (ChatService has it). */
export interface ReachChat {
  transport(kind: TransportKind): ChatTransport | undefined;
  lastSpoke(kind: TransportKind, who: string): { nick: string; at: number } | undefined;
  send(target: string, text: string, opts?: OutboxOptions): Promise<void>;
  sendDirect(transport: TransportKind, user: string, text: string, opts?: OutboxOptions): Promise<void>;
}

/** One attempt to reach someone: where it went and whether it went. */
export interface Delivered {
  via: TransportKind | 'email' | 'none';
  /** Nick, Matrix id, address or channel target. */
  to: string;
  ok: boolean;
  note?: string;
}

/** A chat endpoint where someone can be reached now. */
export interface Endpoint {
  kind: TransportKind;
  /** The nick or Matrix id to DM. */
  to: string;
  why: string;
}

export interface ReachOptions {
  chat: () => ReachChat | undefined;
  mailer?: Mailer;
  users: UsersConfig;
  /** Chat counts as where someone is when they were active this recently (ms). */
  idleAfterMs: number;
  log: Logger;
  /** Real time, for "spoke recently" (the chat's own clock, not a test's fake one). */
  now?: () => number;
}

/**
 * Delivers a message to a person where they will see it: a chat DM on every network where they
 * are active (IRC: said something the bot saw lately, or WHOIS idle under the threshold, and not
 * away; Matrix: presence online and active lately, or said something lately when the homeserver
 * does not tell), otherwise, or when the DM fails, email.
 */
export class Reach {
  constructor(private readonly o: ReachOptions) {}

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  private recent(kind: TransportKind, who: string | undefined): { nick: string; at: number } | undefined {
    if (!who) return undefined;
    const seen = this.o.chat()?.lastSpoke(kind, who);
    return seen && this.now - seen.at < this.o.idleAfterMs ? seen : undefined;
  }

  /** Where `user` is active on chat right now. */
  async where(user: User): Promise<Endpoint[]> {
    const chat = this.o.chat();
    if (!chat) return [];
    const out: Endpoint[] = [];
    const irc = chat.transport('irc');
    if (irc && (user.ircAccount || user.ircNick)) {
      const spoke = this.recent('irc', user.ircAccount) ?? this.recent('irc', user.ircNick ? `nick:${user.ircNick}` : undefined);
      const nick = spoke?.nick ?? this.nameOn('irc', user);
      const p = await safe(() => irc.presence?.(nick));
      const ok = ircActive(p ?? null, Boolean(spoke), user, this.o.idleAfterMs);
      if (ok) out.push({ kind: 'irc', to: nick, why: ok });
    }
    const mx = chat.transport('matrix');
    if (mx && user.matrixId) {
      const spoke = this.recent('matrix', user.matrixId);
      const p = await safe(() => mx.presence?.(user.matrixId!));
      const ok = matrixActive(p ?? null, Boolean(spoke), this.o.idleAfterMs);
      if (ok) out.push({ kind: 'matrix', to: user.matrixId, why: ok });
    }
    return out;
  }

  /**
   * Sends to `user`: by chat DM where they are active when `chat`, and by email when `email` or
   * when no DM went out. Returns every attempt.
   */
  /** `id`: the message's stable id (OutboxOptions.id); each DM's is `<id>|<transport>:<to>`. */
  async person(user: User, msg: { subject: string; text: string; body?: string }, how: { chat: boolean; email: boolean }, id?: string): Promise<Delivered[]> {
    const out: Delivered[] = [];
    if (how.chat) {
      const chat = this.o.chat();
      const endpoints = await this.where(user);
      this.o.log.debug({ user: user.name, endpoints }, 'reaching on chat');
      for (const e of endpoints) {
        try {
          await chat!.sendDirect(e.kind, e.to, msg.text, { tally: 'reminders', ...(e.kind === 'matrix' ? { mentions: [e.to] } : {}), ...(id ? { id: `${id}|${e.kind}:${e.to}` } : {}) });
          out.push({ via: e.kind, to: e.to, ok: true, note: e.why });
        } catch (err) {
          out.push({ via: e.kind, to: e.to, ok: false, note: `DM failed: ${(err as Error).message}` });
        }
      }
    }
    if (how.email || !out.some((d) => d.ok)) {
      const why = how.email ? undefined : out.length ? 'the DM failed' : 'not active on chat';
      out.push(await this.mail(user, msg, why, id));
    }
    return out;
  }

  /** `id`: the message's stable id; the mail's Message-ID is derived from it (src/users/mailer.ts). */
  private async mail(user: User, msg: { subject: string; text: string; body?: string }, why?: string, id?: string): Promise<Delivered> {
    const to = emailFor(user, this.o.users);
    if (!to) return { via: 'none', to: user.name, ok: false, note: `no email address${why ? ` (${why})` : ''}` };
    if (!this.o.mailer) return { via: 'none', to, ok: false, note: `no SMTP configured (users.smtp)${why ? `; ${why}` : ''}` };
    const mail: Mail = { to, subject: msg.subject, text: `${msg.body ?? msg.text}\n\n-- \nbb, the build bot. You get this because ${why ?? 'the reminder goes by email'}.`, ...(id ? { id } : {}) };
    try {
      await this.o.mailer.send(mail);
      return { via: 'email', to, ok: true, ...(why ? { note: why } : {}) };
    } catch (err) {
      this.o.log.warn({ err, to }, 'reminder mail failed');
      return { via: 'email', to, ok: false, note: (err as Error).message };
    }
  }

  /** Says `text` in each channel target (`irc:#dev`); on Matrix it mentions `mentions` (Matrix ids), so they are notified. */
  async channels(targets: string[], text: string, mentions: string[] = [], id?: string): Promise<Delivered[]> {
    const chat = this.o.chat();
    const out: Delivered[] = [];
    for (const t of targets) {
      if (!chat) {
        out.push({ via: 'none', to: t, ok: false, note: 'no chat' });
        continue;
      }
      try {
        await chat.send(t, text, { tally: 'reminders', ...(t.startsWith('matrix:') && mentions.length ? { mentions } : {}), ...(id ? { id: `${id}|${t}` } : {}) });
        out.push({ via: t.slice(0, t.indexOf(':')) as TransportKind, to: t, ok: true });
      } catch (err) {
        out.push({ via: 'none', to: t, ok: false, note: (err as Error).message });
      }
    }
    return out;
  }

  /** How to name `user` in a channel on `kind`: the nick they use there, else their bb name. */
  nameOn(kind: TransportKind, user: User): string {
    if (kind === 'irc') return this.o.chat()?.lastSpoke('irc', user.ircAccount ?? '')?.nick ?? user.ircNick ?? user.ircAccount ?? user.name;
    if (kind === 'matrix') return user.matrixId ?? user.name;
    return user.name;
  }
}

async function safe<T>(fn: () => Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

/**
 * Whether IRC counts as where the user is, and why (null when not): the nick must be on and, when
 * the user has a services account, logged in to it (another person may hold the nick); then not
 * away, and either spoke lately or WHOIS idle below the threshold.
 */
export function ircActive(p: Presence | null, spokeRecently: boolean, user: Pick<User, 'ircAccount'>, idleAfterMs: number): string | null {
  if (p && !p.online) return null;
  if (p && user.ircAccount && (p.account ?? '').toLowerCase() !== user.ircAccount.toLowerCase()) return null;
  if (p?.away) return null;
  if (spokeRecently) return 'spoke lately';
  if (p && p.idleSeconds !== null && p.idleSeconds * 1000 < idleAfterMs) return `idle ${p.idleSeconds}s`;
  return null;
}

/**
 * Whether Matrix counts as where the user is: presence `online` and active lately; when the
 * homeserver does not tell (presence off), only having spoken lately counts.
 */
export function matrixActive(p: Presence | null, spokeRecently: boolean, idleAfterMs: number): string | null {
  if (p && (!p.online || p.away)) return null;
  if (p && p.idleSeconds !== null && p.idleSeconds * 1000 < idleAfterMs) return p.idleSeconds === 0 ? 'active now' : `active ${p.idleSeconds}s ago`;
  if (spokeRecently) return 'spoke lately';
  return null;
}
