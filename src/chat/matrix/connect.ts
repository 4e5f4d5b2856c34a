import { MatrixClient } from './sdk.js';
import type { Logger } from '../../log.js';
import type { MatrixTransportOptions } from './options.js';
import type { TransportStorage } from './storage.js';

/** Start-up failed for a reason the operator must fix (bad token, wrong password, no server). */
export class MatrixStartError extends Error {
  override readonly name = 'MatrixStartError';
}

export interface Connected {
  client: MatrixClient;
  userId: string;
  /** The device the token belongs to, where the homeserver says (whoami). */
  deviceId?: string;
}

/**
 * The device every master's password login uses. The homeserver keeps a message's transaction id
 * per device (Synapse since 1.9x, MSC3970), so masters that share the device share the ids: a
 * message one master sent and another sends again (a failover) stays one message.
 */
export const BB_DEVICE_ID = 'BBMASTER';

/**
 * A client whose token the homeserver accepted (checked with whoami, so a bad token fails here with
 * a clear message instead of inside the sync loop, which would retry it forever). No crypto store is
 * given, so the SDK never touches its end-to-end encryption module.
 */
export async function connectClient(opts: MatrixTransportOptions, storage: TransportStorage, log: Logger): Promise<Connected> {
  const url = opts.homeserverUrl;
  if (opts.accessToken) return verified(url, opts.accessToken, storage, 'access token');
  if (!opts.login) throw new MatrixStartError('Matrix needs an accessToken or a login {user, password}');

  const saved = storage.savedAccessToken;
  if (saved) {
    try {
      const got = await verified(url, saved, storage, 'saved access token');
      if (isUser(got.userId, opts.login.user) && got.deviceId === BB_DEVICE_ID) return got;
      if (!isUser(got.userId, opts.login.user)) log.info({ homeserver: url, userId: got.userId }, 'saved matrix token is for another user; logging in again');
      else log.info({ homeserver: url, deviceId: got.deviceId, wanted: BB_DEVICE_ID }, 'saved matrix token is for another device; logging in again as the device every master shares');
    } catch (err) {
      if (!(err instanceof TokenRejected)) throw err;
      log.info({ homeserver: url }, 'saved matrix token was rejected; logging in again');
    }
  }
  const token = await passwordLogin(url, opts);
  storage.saveAccessToken(token);
  return verified(url, token, storage, 'access token from the password login');
}

class TokenRejected extends MatrixStartError {}

/**
 * The SDK's client, saving the sync token only once a batch has been handed to the listeners: a
 * crash mid-batch then gets the batch again instead of losing it, and the storage learns when the
 * first batch after start (the catch-up) is done.
 */
class BotClient extends MatrixClient {
  constructor(url: string, token: string, storage: TransportStorage) {
    super(url, token, storage);
    this.persistTokenAfterSync = true;
  }
}

/** `user` is a localpart or a full Matrix ID. */
function isUser(userId: string, user: string): boolean {
  return user.startsWith('@') ? userId === user : userId.slice(1).split(':')[0] === user;
}

async function verified(url: string, token: string, storage: TransportStorage, what: string): Promise<Connected> {
  const client = new BotClient(url, token, storage);
  try {
    const who = await client.getWhoAmI();
    return { client, userId: who.user_id, ...(who.device_id ? { deviceId: who.device_id } : {}) };
  } catch (err) {
    const status = statusOf(err);
    if (status === 401 || status === 403) {
      throw new TokenRejected(`Matrix homeserver ${url} rejected the ${what} (${errcodeOf(err) ?? `HTTP ${status}`}): check the bot's Matrix credentials`);
    }
    throw new MatrixStartError(`cannot reach Matrix homeserver ${url}: ${messageOf(err)}`);
  }
}

async function passwordLogin(url: string, opts: MatrixTransportOptions): Promise<string> {
  const { user, password, deviceName = 'bb' } = opts.login!;
  try {
    // As the SDK's passwordLogin, with the shared device id (which the SDK cannot give).
    const body = { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, device_id: BB_DEVICE_ID, initial_device_display_name: deviceName };
    const res = (await new MatrixClient(url, '').doRequest('POST', '/_matrix/client/v3/login', null, body)) as { access_token?: unknown };
    if (typeof res.access_token !== 'string' || !res.access_token) throw new MatrixStartError(`Matrix homeserver ${url} answered the password login of ${user} without an access token`);
    return res.access_token;
  } catch (err) {
    if (err instanceof MatrixStartError) throw err;
    const status = statusOf(err);
    if (status !== undefined && status >= 400 && status < 500) {
      throw new MatrixStartError(`Matrix homeserver ${url} refused the password login of ${user} (${errcodeOf(err) ?? `HTTP ${status}`}): check matrix.login`);
    }
    throw new MatrixStartError(`cannot reach Matrix homeserver ${url} to log in: ${messageOf(err)}`);
  }
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function errcodeOf(err: unknown): string | undefined {
  const c = (err as { errcode?: unknown; body?: { errcode?: unknown } } | null);
  const code = c?.errcode ?? c?.body?.errcode;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
