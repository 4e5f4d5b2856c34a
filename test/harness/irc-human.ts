import irc from 'irc-framework';

/** A message the human's client saw (PRIVMSG, NOTICE, or a CTCP reply). */
export interface SeenMessage {
  type: 'privmsg' | 'notice' | 'ctcp response';
  nick: string;
  target: string;
  text: string;
  account: string | null;
}

/** A person on IRC, played by a real irc-framework client. */
export interface IrcHuman {
  nick: string;
  client: irc.Client;
  /** Everything received, oldest first. */
  seen: SeenMessage[];
  join(channel: string): Promise<void>;
  say(target: string, text: string): void;
  /**
   * The first message from index `from` on (default: all seen so far) that `pred` accepts,
   * waiting up to `timeoutMs`.
   */
  waitFor(pred: (m: SeenMessage) => boolean, timeoutMs?: number, from?: number): Promise<SeenMessage>;
  /** All messages `pred` accepts, once there are `count` of them. */
  waitForCount(pred: (m: SeenMessage) => boolean, count: number, timeoutMs?: number): Promise<SeenMessage[]>;
  /** Becomes an IRC operator; resolves on RPL_YOUREOPER. */
  oper(name: string, password: string): Promise<void>;
  /** Sends a raw line; resolves with the first server line matching `reply`. */
  command(line: string, reply: RegExp, timeoutMs?: number): Promise<string>;
  raw(line: string): void;
  quit(): Promise<void>;
}

export interface HumanOptions {
  host: string;
  port: number;
  nick: string;
  /** Log in with SASL PLAIN; resolves only once logged in. */
  sasl?: { account: string; password: string };
  channels?: string[];
}

export async function connectHuman(o: HumanOptions): Promise<IrcHuman> {
  const client = new irc.Client();
  const seen: SeenMessage[] = [];
  const waiters = new Set<() => void>();
  const record = (type: SeenMessage['type']) => (e: irc.MessageEvent) => {
    if (e.from_server) return;
    seen.push({ type, nick: e.nick, target: e.target, text: e.message, account: e.account ?? null });
    for (const w of waiters) w();
  };
  client.on('privmsg', record('privmsg'));
  client.on('notice', record('notice'));
  client.on('ctcp response', (e) => {
    seen.push({ type: 'ctcp response', nick: e.nick, target: e.target, text: e.message, account: e.account ?? null });
    for (const w of waiters) w();
  });

  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${o.nick} did not register`)), 15_000);
    let registered = false;
    let loggedIn = !o.sasl;
    const check = () => {
      if (registered && loggedIn) {
        clearTimeout(timer);
        resolve();
      }
    };
    client.once('registered', () => {
      registered = true;
      check();
    });
    client.once('loggedin', () => {
      loggedIn = true;
      check();
    });
    client.once('sasl failed', (e) => reject(new Error(`${o.nick}: SASL failed (${e.reason})`)));
    client.once('close', () => reject(new Error(`${o.nick}: connection closed while registering`)));
    client.connect({
      host: o.host,
      port: o.port,
      nick: o.nick,
      username: o.nick,
      gecos: `${o.nick} (test human)`,
      account: o.sasl ? { account: o.sasl.account, password: o.sasl.password } : {},
      auto_reconnect: false,
      version: 'bb test human',
    });
  });

  const join = (channel: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${o.nick} could not join ${channel}`)), 10_000);
      const onJoin = (e: irc.JoinEvent) => {
        if (client.caseCompare(e.nick, client.user.nick) && client.caseCompare(e.channel, channel)) {
          clearTimeout(timer);
          client.removeListener('join', onJoin);
          resolve();
        }
      };
      client.on('join', onJoin);
      client.join(channel);
    });
  for (const ch of o.channels ?? []) await join(ch);

  const waitForCount = (pred: (m: SeenMessage) => boolean, count: number, timeoutMs = 10_000, from = 0) =>
    new Promise<SeenMessage[]>((resolve, reject) => {
      const check = () => {
        const hits = seen.slice(from).filter(pred);
        if (hits.length >= count) {
          finish();
          resolve(hits);
        }
      };
      const timer = setTimeout(() => {
        finish();
        const last = seen.slice(-3).map((m) => `<${m.nick}> ${m.text}`).join(' | ');
        reject(new Error(`${o.nick}: wanted ${count} matching messages, got ${seen.slice(from).filter(pred).length} in ${timeoutMs} ms; last: ${last}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  /** Sends a raw line and resolves with the first line from the server that matches `reply`. */
  const command = (line: string, reply: RegExp, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.removeListener('raw', onRaw);
        reject(new Error(`${o.nick}: no reply matching ${reply} to ${line.split(' ')[0]}`));
      }, timeoutMs);
      const onRaw = (e: irc.RawEvent) => {
        if (!e.from_server || !reply.test(e.line)) return;
        clearTimeout(timer);
        client.removeListener('raw', onRaw);
        resolve(e.line);
      };
      client.on('raw', onRaw);
      client.raw(line);
    });

  return {
    nick: o.nick,
    client,
    seen,
    join,
    say: (target, text) => client.say(target, text),
    waitFor: async (pred, timeoutMs, from = 0) => (await waitForCount(pred, 1, timeoutMs, from))[0]!,
    waitForCount: (pred, count, timeoutMs) => waitForCount(pred, count, timeoutMs),
    oper: async (name, password) => {
      const reply = await command(`OPER ${name} ${password}`, / (381|491) /);
      if (!/ 381 /.test(reply)) throw new Error(`${o.nick}: OPER refused: ${reply}`);
    },
    command,
    raw: (line) => client.raw(line),
    async quit() {
      if (!client.connected) return;
      client.quit('bye');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
}
