import type { MatrixClient } from 'matrix-bot-sdk';
import { createLogger, type Logger } from '../../log.js';
import type { ChatMessage, ChatTransport, Presence, SendOptions } from '../transport.js';
import { catchUp } from './catch-up.js';
import { connectClient } from './connect.js';
import { DirectRooms } from './direct-rooms.js';
import { EncryptionGuard } from './encryption.js';
import { incomingText } from './incoming.js';
import type { MatrixTransportOptions } from './options.js';
import { capNotice, messageContent } from './outgoing.js';
import { isRoomOperator } from './power.js';
import { idleSecondsOf, presenceOf } from './presence.js';
import { retryRateLimited } from './rate-limit.js';
import { RoomDirectory } from './room-directory.js';
import { routeSdkLogs } from './sdk-log.js';
import { TransportStorage } from './storage.js';

/** Sync only what the bot reads: no presence pushes, typing or receipts. */
const SYNC_FILTER = {
  presence: { not_types: ['*'] },
  room: { ephemeral: { not_types: ['*'] }, timeline: { limit: 50 } },
};

/** What was said while bb was away is answered when it is at most this old. */
const AWAY_ANSWER_MS = 24 * 3600_000;
/** A message that reaches bb this long after it was said (the homeserver was out of reach) counts as said while away. */
const LATE_MS = 60_000;

/** One connection's state; a stopped transport can start again with a fresh one. */
interface Session {
  client: MatrixClient;
  userId: string;
  storage: TransportStorage;
  direct: DirectRooms;
  encryption: EncryptionGuard;
  running: boolean;
  /** False during the first sync after start: what it brings was said while the bot was away. */
  caughtUp: boolean;
  /** Started from a stored sync token: the catch-up holds what was said since bb last listened. */
  resumed: boolean;
  cancelCatchUp?: () => void;
  /** Rooms whose messages are read: joined before start, or whose join the sync has shown. */
  live: Set<string>;
  refreshingLive?: Promise<void>;
  /** The last sync with the homeserver worked (false from a failed one until the next works). */
  syncing: boolean;
}

/**
 * bb's chat on Matrix, over matrix-bot-sdk without end-to-end encryption. Reads `m.text` messages
 * in the rooms it is in (DMs included), answers with notices (HTML when given), accepts invites only
 * as `invites` allows, and leaves encrypted rooms with a notice saying why.
 *
 * Nothing said before the bot was there is acted on: on a first start (no stored sync token) the
 * first sync is skipped, and in a room joined later only messages after the join count. After a
 * restart, the first sync (fetched without waiting) holds what was said while bb was away: those
 * messages (up to a day old) are handed on marked `late`, as are any that arrive over a minute
 * after they were said, so the router can answer them (src/chat/router.ts). start() resolves once that catch-up is done. The sync token is
 * stored, so a restart resumes where it stopped instead of syncing everything again; after a
 * network failure the SDK's sync loop retries (5-15 s apart) and nothing said meanwhile is lost.
 *
 * `replyTo` of a message is its room ID; `sendDirect` takes a user ID (finds or creates the DM
 * room) or a room ID (the DM room a message came from).
 */
export class MatrixTransport implements ChatTransport {
  readonly kind = 'matrix' as const;
  private readonly log: Logger;
  private readonly handlers: Array<(m: ChatMessage) => void> = [];
  private readonly rooms: RoomDirectory;
  private session?: Session;
  /** Incoming messages are handed on one at a time, in timeline order. */
  private inbox: Promise<void> = Promise.resolve();
  /** Outgoing messages go one at a time: ordered, and a rate-limit wait holds back the rest. */
  private outbox: Promise<unknown> = Promise.resolve();
  /** Messages sent since it was made, and waiting their turn in `outbox`. */
  private sent = 0;
  private waiting = 0;

  constructor(private readonly opts: MatrixTransportOptions) {
    this.log = opts.log ?? createLogger('matrix');
    this.rooms = new RoomDirectory(opts);
  }

  get botName(): string {
    return this.opts.botName;
  }

  /** The bot's Matrix ID; known once started. */
  get userId(): string | null {
    return this.session?.userId ?? null;
  }

  onMessage(handler: (m: ChatMessage) => void): void {
    this.handlers.push(handler);
  }

  /** Connects, joins the configured rooms and catches up; a bad token or password rejects here. */
  async start(): Promise<void> {
    if (this.session) throw new Error('MatrixTransport is already started');
    routeSdkLogs(this.log);
    const storage = new TransportStorage(this.opts.storageFile);
    let connected;
    try {
      connected = await connectClient(this.opts, storage, this.log);
    } catch (err) {
      storage.close();
      throw err;
    }
    const { client, userId } = connected;
    const s: Session = {
      client,
      userId,
      storage,
      direct: new DirectRooms(client, this.log),
      encryption: new EncryptionGuard(client, this.log),
      running: true,
      caughtUp: false,
      resumed: storage.getSyncToken() !== null,
      live: new Set(),
      syncing: true,
    };
    this.session = s;
    watchSync(s);
    try {
      await this.showName(s);
      this.listen(s);
      await this.rooms.joinConfigured(client, this.log);
      s.live = new Set(await client.getJoinedRooms());
      const caught = catchUp(client, storage, this.opts.homeserverUrl, () => (s.caughtUp = true));
      s.cancelCatchUp = caught.cancel;
      await client.start(SYNC_FILTER);
      await caught.done;
      await s.encryption.check(s.live);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info({ userId, homeserver: this.opts.homeserverUrl }, 'matrix transport started');
  }

  async stop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    s.running = false;
    s.cancelCatchUp?.();
    s.storage.close();
    s.client.stop();
    s.client.removeAllListeners();
    await this.inbox;
    await this.outbox.catch(() => undefined);
  }

  /**
   * Sends to a room ID or alias: a notice (which no client notifies about) when it is addressed to
   * nobody; with `mentions`, `m.text` with `m.mentions` and a mention pill, so those people are
   * notified under Matrix's default push rules.
   */
  async send(target: string, text: string, opts: SendOptions = {}): Promise<void> {
    const s = this.started();
    const roomId = await this.rooms.roomIdOf(s.client, target);
    await this.sendTo(s, roomId, text, opts, false);
  }

  /** Started and its last sync with the homeserver worked. */
  get isConnected(): boolean {
    return this.session?.syncing ?? false;
  }

  /** Messages sent, and waiting to be sent in order. */
  lines(): { sent: number; queued: number } {
    return { sent: this.sent, queued: this.waiting };
  }

  /** Started (the outbox waits otherwise; a send that fails meanwhile is retried). */
  ready(): boolean {
    return this.session !== undefined;
  }

  /** The DM room with `user`, found in `m.direct` or made and the user invited. */
  async directRoom(user: string): Promise<string> {
    return this.started().direct.roomFor(user);
  }

  private async sendTo(s: Session, roomId: string, text: string, opts: SendOptions, direct: boolean): Promise<void> {
    const notice = capNotice(text, opts.html, this.opts.maxMessageChars, opts.moreHint);
    const content = messageContent(notice, opts.mentions ?? [], direct);
    this.waiting++;
    const txnId = opts.txnId;
    const sent = this.outbox.then(() => retryRateLimited(() => (txnId === undefined ? s.client.sendMessage(roomId, content) : sendWithTxnId(s.client, roomId, content, txnId))));
    this.outbox = sent.catch(() => undefined);
    try {
      await sent;
      this.sent++;
    } finally {
      this.waiting--;
    }
  }

  /** To a user ID (their DM room, created on first use) or a DM room ID (a message's `replyTo`). */
  async sendDirect(user: string, text: string, opts: Omit<SendOptions, 'notice'> = {}): Promise<void> {
    const s = this.started();
    const roomId = user.startsWith('!') ? user : await s.direct.roomFor(user);
    const mentions = opts.mentions ?? (user.startsWith('@') ? [user] : []);
    await this.sendTo(s, roomId, text, { ...opts, mentions }, true);
  }

  async idleSeconds(user: string): Promise<number | null> {
    return idleSecondsOf(this.started().client, user);
  }

  async presence(user: string): Promise<Presence | null> {
    if (!this.session) return null;
    return presenceOf(this.session.client, user);
  }

  async isOperator(channel: string, user: string): Promise<boolean> {
    const s = this.started();
    return isRoomOperator(s.client, await this.rooms.roomIdOf(s.client, channel), user);
  }

  private started(): Session {
    if (!this.session) throw new Error('MatrixTransport is not started');
    return this.session;
  }

  private listen(s: Session): void {
    const guard =
      <A extends [string, ...unknown[]]>(what: string, fn: (...args: A) => Promise<void> | void) =>
      (...args: A): void => {
        if (!s.running) return;
        Promise.resolve()
          .then(() => fn(...args))
          .catch((err) => this.log.warn({ err, roomId: args[0] }, `matrix ${what} handling failed`));
      };
    s.client.on('room.invite', guard('invite', (roomId: string, ev: { sender?: string }) => this.onInvite(s, roomId, ev)));
    s.client.on('room.leave', guard('leave', (roomId: string) => this.onLeave(s, roomId)));
    s.client.on('room.event', guard('event', (roomId: string, ev: StateEvent) => this.onEvent(s, roomId, ev)));
    s.client.on('room.join', (roomId: string) => {
      if (!s.running) return;
      // At once, not later: the rest of this sync batch was said after the join.
      s.live.add(roomId);
      s.direct.forgetSize(roomId);
      s.encryption.check([roomId]).catch(() => undefined);
    });
    s.client.on('room.message', (roomId: string, ev: unknown) => this.onMessageEvent(s, roomId, ev));
  }

  private async onInvite(s: Session, roomId: string, ev: { sender?: string }): Promise<void> {
    const inviter = ev.sender ?? '';
    if (!(await this.rooms.mayInvite(s.client, inviter, roomId))) {
      this.log.info({ roomId, inviter }, 'rejecting matrix invite from a sender not allowed to invite');
      await s.client.leaveRoom(roomId, 'This bot accepts invites only from allowed users and rooms');
      return;
    }
    this.log.info({ roomId, inviter }, 'accepting matrix invite');
    await s.client.joinRoom(roomId);
  }

  private async onEvent(s: Session, roomId: string, ev: StateEvent): Promise<void> {
    if (ev.type === 'm.room.member') s.direct.forgetSize(roomId);
    if (ev.type === 'm.room.encryption' && ev.state_key === '') await s.encryption.refuse(roomId);
  }

  private onLeave(s: Session, roomId: string): void {
    s.live.delete(roomId);
    s.direct.forgetSize(roomId);
  }

  private onMessageEvent(s: Session, roomId: string, ev: unknown): void {
    if (!s.running || s.encryption.has(roomId)) return;
    const saidAt = Number((ev as { origin_server_ts?: unknown }).origin_server_ts) || Date.now();
    // The catch-up sync holds what was said while bb was away: answered when bb has been in the
    // room before (a stored sync token) and it is not older than a day; never on a first start.
    if (!s.caughtUp && (!s.resumed || Date.now() - saidAt > AWAY_ANSWER_MS)) return;
    // Decided now: the catch-up is over by the time the queued message is handed on.
    const late = !s.caughtUp || Date.now() - saidAt > LATE_MS;
    if (!s.live.has(roomId)) {
      // History from before the join, or a join the sync's timeline skipped (too many events).
      this.refreshLive(s);
      return;
    }
    const text = incomingText(ev, s.userId, this.opts.botName);
    if (text === null) return;
    const sender = (ev as { sender: string }).sender;
    this.inbox = this.inbox
      .then(async () => {
        const isDirect = await s.direct.isDirect(roomId);
        if (!s.running || s.encryption.has(roomId)) return;
        const message: ChatMessage = {
          transport: 'matrix',
          channel: isDirect ? null : roomId,
          replyTo: roomId,
          sender,
          account: sender,
          text,
          isDirect,
          saidAt,
          late,
        };
        for (const handler of this.handlers) handler(message);
      })
      .catch((err) => this.log.warn({ err, roomId }, 'matrix message handling failed'));
  }

  /** Rooms joined without the sync showing the join become live for the messages after now. */
  private refreshLive(s: Session): void {
    s.refreshingLive ??= s.client
      .getJoinedRooms()
      .then((rooms) => {
        if (s.running) for (const r of rooms) s.live.add(r);
      })
      .catch((err) => this.log.warn({ err }, 'cannot list joined matrix rooms'))
      .finally(() => (s.refreshingLive = undefined));
  }

  /** People address the bot by its display name (clients complete mentions to it). */
  private async showName(s: Session): Promise<void> {
    const profile = (await s.client.getUserProfile(s.userId).catch(() => ({}))) as { displayname?: string };
    if (profile.displayname !== this.opts.botName) await s.client.setDisplayName(this.opts.botName);
  }
}

interface StateEvent {
  type?: string;
  state_key?: string;
}

/**
 * Keeps `s.syncing` to whether the SDK's sync loop last reached the homeserver: each sync (a long
 * poll) that fails sets it false, the next that works sets it true again.
 */
function watchSync(s: Session): void {
  const client = s.client as unknown as { doSync(token: string): Promise<unknown> };
  const doSync = client.doSync.bind(client);
  client.doSync = async (token: string) => {
    try {
      const r = await doSync(token);
      s.syncing = true;
      return r;
    } catch (err) {
      s.syncing = false;
      throw err;
    }
  };
}

/**
 * As the SDK's sendMessage, with the transaction id given instead of one made per call (the SDK's
 * is the time and a counter): the same message sent again, by this master or another on the same
 * device, is one event (the homeserver answers with the first one's id).
 */
async function sendWithTxnId(client: MatrixClient, roomId: string, content: Record<string, unknown>, txnId: string): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(`bb.${txnId}`)}`;
  const res = (await client.doRequest('PUT', path, null, content)) as { event_id: string };
  return res.event_id;
}
