import type { Logger } from '../../log.js';

/** Who may invite the bot into a room. Invites from anyone else are rejected. */
export interface MatrixInvitePolicy {
  /**
   * Users whose invites are accepted: full Matrix IDs (`@alice:example.org`) or a whole homeserver
   * as `*:example.org`. Default: none.
   */
  users?: string[];
  /** Rooms (IDs or aliases) whose invites are accepted from anyone. Default: none. */
  rooms?: string[];
}

/** Log in with a password instead of a fixed access token. */
export interface MatrixPasswordLogin {
  /** Localpart (`bb`) or full Matrix ID (`@bb:example.org`). */
  user: string;
  password: string;
  /** Device display name shown in the account's session list. Default `bb`. */
  deviceName?: string;
}

export interface MatrixTransportOptions {
  /** Client-Server API base URL, e.g. `https://matrix.example.org`. */
  homeserverUrl: string;
  /** The bot account's access token. Give this or `login`. */
  accessToken?: string;
  /**
   * Password login, used when no `accessToken` is given. The token it yields is kept in
   * `storageFile` and reused on the next start (one device, not one per restart).
   */
  login?: MatrixPasswordLogin;
  /**
   * JSON file that keeps the sync token (so a restart resumes where it stopped), the sync filter
   * and a password login's token. Its folder is created. The DM map lives on the homeserver
   * (`m.direct` account data), so it survives losing this file.
   */
  storageFile: string;
  /**
   * Name people address the bot by (`bb: status`). Also set as the account's display name at start,
   * so that clients' mention completion produces it.
   */
  botName: string;
  /** Rooms (IDs or aliases) to join at start; their invites are accepted too. Default: none. */
  rooms?: string[];
  /** Who may invite the bot. Default: nobody but `rooms`. */
  invites?: MatrixInvitePolicy;
  /** Longest message body sent, in characters; longer text is cut and marked. Default 8000. */
  maxMessageChars?: number;
  log?: Logger;
}
