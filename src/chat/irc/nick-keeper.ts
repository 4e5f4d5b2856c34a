import type irc from 'irc-framework';
import type { IrcStatus } from './status.js';

/** What the nick keeper needs of its connection. */
export interface NickKeeperOptions {
  /** The configured nick. */
  wanted: string;
  /** How often to try again while an alternative is in use (NICK, and the services command). */
  intervalMs: number;
  /** The services bot (`NickServ`) that frees a nick for the account owning it; none without an account. */
  service?: string;
  /** Whether this connection is logged in to its services account now (SASL or IDENTIFY). */
  loggedIn(): boolean;
  /**
   * Asked before forcing another connection off the nick (REGAIN, GHOST): false leaves it (a master
   * that no longer leads must not take the nick from the one that does). Default: always.
   */
  mayTake?: () => Promise<boolean>;
  /** Queues a control line. */
  send(line: string): void;
  status(s: IrcStatus): void;
}

/** The keeper of one connection; `loggedIn` is called when services confirm a login. */
export interface NickKeeper {
  /** Services confirmed a login (IDENTIFY after registration): ask them for the nick now. */
  loggedIn(): void;
  stop(): void;
}

/** Services' answers that the command is not there (Atheme: "Invalid command", Anope: "Unknown command"). */
const NO_SUCH_COMMAND = /invalid command|unknown command|is disabled|no such command|not a valid command/i;
/** Services' answers that the holder was removed (REGAIN also renames us; GHOST leaves the NICK to us). */
const FREED = /has been (ghosted|regained|released|recovered|killed)|is not online/i;

/**
 * While the bot uses an alternative nick, gets the configured one back (README "Running several
 * masters": a frozen old leader's connection holds the nick until the server drops it):
 *
 * - logged in to the services account that owns the nick, it asks services to free it: `REGAIN`
 *   (the holder is disconnected and the nick given to us), or `GHOST` where services have no
 *   REGAIN, then NICK; at once after registering (or logging in), then every `intervalMs`;
 * - in any case it sends NICK the moment the server says the nick is free: MONITOR (where the
 *   server offers it) reports the holder offline, or the holder is seen leaving or changing nick
 *   in a shared channel; and every `intervalMs` as a last resort.
 *
 * Reports the bot's own nick changes. Returns the keeper (stopped at the end of the connection).
 */
export function keepNick(client: irc.Client, o: NickKeeperOptions): NickKeeper {
  const { wanted } = o;
  const wrongNick = () => !client.caseCompare(client.user.nick, wanted);
  let stopped = false;
  let command: 'REGAIN' | 'GHOST' = 'REGAIN';
  let asked: 'REGAIN' | 'GHOST' | null = null;
  let askedAt = 0;

  const nick = () => {
    if (!stopped && wrongNick()) o.send(`NICK ${wanted}`);
  };
  const askServices = async (force = false) => {
    if (stopped || !o.service || !wrongNick() || !o.loggedIn()) return;
    if (!force && asked && Date.now() - askedAt < o.intervalMs) return;
    asked = command;
    askedAt = Date.now();
    if (o.mayTake && !(await o.mayTake().catch(() => false))) return;
    if (stopped || !wrongNick()) return;
    o.send(`PRIVMSG ${o.service} :${command} ${wanted}`);
  };
  const regain = () => {
    nick();
    void askServices();
  };

  const onNick = (e: irc.NickEvent) => {
    // The library may update its own nick before or after this listener runs.
    if (client.caseCompare(e.nick, client.user.nick) || client.caseCompare(e.new_nick, client.user.nick)) {
      o.status({ kind: 'nick', nick: e.new_nick });
    } else if (client.caseCompare(e.nick, wanted)) nick();
  };
  const onQuit = (e: irc.QuitEvent) => {
    if (client.caseCompare(e.nick, wanted)) nick();
  };
  const onOffline = (e: { nicks: string[] }) => {
    if (e.nicks.some((n) => client.caseCompare(n, wanted))) nick();
  };
  const onNotice = (e: irc.MessageEvent) => {
    if (!o.service || !e.nick || !client.caseCompare(e.nick, o.service) || !asked) return;
    const text = e.message.replace(/\x03(\d{1,2}(,\d{1,2})?)?|[\x02\x0f\x16\x1d\x1e\x1f]/g, '');
    if (NO_SUCH_COMMAND.test(text) && asked === 'REGAIN') {
      command = 'GHOST';
      void askServices(true);
    } else if (FREED.test(text)) {
      nick();
    }
  };
  client.on('nick', onNick);
  client.on('quit', onQuit);
  client.on('users offline', onOffline);
  client.on('notice', onNotice);
  // MONITOR tells the moment the holder's connection ends, wherever it is. The server lists it
  // in ISUPPORT, which follows registration.
  let monitoring = false;
  const monitor = () => {
    if (stopped || monitoring || !wrongNick() || !client.network.supports('MONITOR')) return;
    monitoring = true;
    o.send(`MONITOR + ${wanted}`);
  };
  client.on('server options', monitor);
  const timer = setInterval(regain, o.intervalMs);
  // Started from the library's 'registered' event, before it records the nick the server gave:
  // once it has, services are asked at once; NICK waits for word that the nick is free.
  setImmediate(() => {
    monitor();
    void askServices();
  });
  return {
    loggedIn: () => void askServices(true),
    stop: () => {
      stopped = true;
      clearInterval(timer);
      client.removeListener('nick', onNick);
      client.removeListener('quit', onQuit);
      client.removeListener('users offline', onOffline);
      client.removeListener('notice', onNotice);
      client.removeListener('server options', monitor);
    },
  };
}
