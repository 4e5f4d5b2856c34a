import type { UsersConfig } from '../config/schema.js';
import type { Store } from '../data/store.js';
import type { IdentityApi } from '../chat/identity.js';
import type { ChatMessage } from '../chat/transport.js';
import { userControl, UserControlError, type UserRequest } from './control.js';
import { emailFor } from './email.js';
import type { SettingDefaults, SettingsChange } from './settings.js';
import type { User } from '../model/user.js';

/** The speaker's own bb user, or why bb cannot tell who they are (a sentence for chat). */
export type Speaker = { ok: true; user: User } | { ok: false; problem: string };

/** What an admin may ask of `user` in chat. */
export type AdminUserRequest = { op: 'show'; who: string } | { op: 'link'; name: string; identity: string } | ({ op: 'set'; name: string } & SettingsChange);

/**
 * bb users as chat commands see them (`my …` for oneself, `user …` for admins). Reached by commands
 * as `api.users`. Every write is a `bb user set|link` request run by userControl, so it goes
 * through the users lock and the identity index exactly as the command line's do.
 */
export interface UsersApi {
  /** What applies to users who set no time zone or quiet hours (`problems.hassle`). */
  readonly defaults: SettingDefaults;
  /** The speaker's bb user: a verified claim (`i am user`, then the mailed code) to a user that exists. */
  me(message: ChatMessage): Promise<Speaker>;
  /** Changes the speaker's own time zone and quiet hours. Throws UserControlError with the reason. */
  setMine(message: ChatMessage, change: SettingsChange): Promise<User>;
  /** The address bb mails a user at (`users.emailDomain` applies). */
  emailOf(user: User): string | null;
  /**
   * `show`, `link` and `set` on behalf of a verified admin (`users.admins`). Throws
   * UserControlError for anyone else, and with the reason when the request is refused.
   */
  admin(message: ChatMessage, req: AdminUserRequest): Promise<User>;
}

/** UsersApi over the store, with the claims of the identity API. */
export class StoredUsers implements UsersApi {
  constructor(
    private readonly store: Store,
    private readonly config: Pick<UsersConfig, 'admins' | 'emailDomain'> & { people?: UsersConfig['people'] },
    private readonly identity: IdentityApi,
    private readonly botName: string,
    readonly defaults: SettingDefaults = { timeZone: 'UTC', quietHours: false },
  ) {}

  async me(message: ChatMessage): Promise<Speaker> {
    const bot = this.botName;
    if (message.transport === 'irc' && !message.account) {
      return { ok: false, problem: `I don't know which bb user you are: log in to services first (your nick is not identified), then say "${bot}: i am user NAME".` };
    }
    const { claim } = await this.identity.whoami(message);
    if (!claim) return { ok: false, problem: `I don't know which bb user you are: say "${bot}: i am user NAME" first, then "verify CODE" with the code I mail to that user.` };
    if (!claim.verified) {
      return { ok: false, problem: `Your claim to be ${claim.user} is not verified yet: say "verify CODE" with the code mailed to ${claim.user}, or "${bot}: i am user ${claim.user}" for a new one.` };
    }
    const user = await this.store.users.get(claim.user);
    if (!user) return { ok: false, problem: `bb user ${claim.user} no longer exists; say "${bot}: i am user NAME" for the user you are now.` };
    return { ok: true, user };
  }

  async setMine(message: ChatMessage, change: SettingsChange): Promise<User> {
    const me = await this.me(message);
    if (!me.ok) throw new UserControlError(me.problem);
    return this.run({ op: 'set', name: me.user.name, ...change });
  }

  emailOf(user: User): string | null {
    return emailFor(user, this.config);
  }

  async admin(message: ChatMessage, req: AdminUserRequest): Promise<User> {
    const me = await this.me(message);
    if (!me.ok) throw new UserControlError(`Only bb user admins may manage users from chat. ${me.problem}`);
    if (!this.config.admins.includes(me.user.name)) {
      const who = this.config.admins.length ? `users.admins in the master's config: ${this.config.admins.join(', ')}` : `this bb has none; an operator can add names to users.admins in the master's config or use "bb user" on its host`;
      throw new UserControlError(`Sorry, ${me.user.name}: only bb user admins may manage users from chat (${who}).`);
    }
    return this.run(req);
  }

  private async run(req: AdminUserRequest): Promise<User> {
    const res = await userControl(this.store, { v: 1, type: 'user', ...req } satisfies UserRequest, Date.now(), this.config.people);
    if (!('user' in res)) throw new Error(`user ${req.op} answered without a user`);
    return res.user;
  }
}
