import { randomBytes } from 'node:crypto';
import type { TestMatrixUser } from './synapse.js';

/** A timeline event as the Client-Server API returns it. */
export interface MatrixEvent {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
}

/**
 * A person on Matrix, for tests: a real account driven over the plain Client-Server API with
 * fetch (no SDK), so what the bot does is checked from the outside, as a user's client would see it.
 */
export class MatrixHuman {
  readonly userId: string;
  private readonly token: string;

  constructor(
    private readonly url: string,
    user: TestMatrixUser,
  ) {
    this.userId = user.userId;
    this.token = user.accessToken;
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_matrix/client/v3${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} as ${this.userId}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async createRoom(options: Record<string, unknown> = {}): Promise<string> {
    const { room_id } = await this.call<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat', ...options });
    return room_id;
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.call('POST', `/rooms/${enc(roomId)}/invite`, { user_id: userId });
  }

  async join(roomId: string): Promise<void> {
    await this.call('POST', `/join/${enc(roomId)}`, {});
  }

  /** Says `text` as an ordinary `m.text` message; returns the event ID. */
  async say(roomId: string, text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const txn = randomBytes(8).toString('hex');
    const body = { msgtype: 'm.text', body: text, ...extra };
    const { event_id } = await this.call<{ event_id: string }>('PUT', `/rooms/${enc(roomId)}/send/m.room.message/${txn}`, body);
    return event_id;
  }

  async setState(roomId: string, type: string, content: Record<string, unknown>, stateKey = ''): Promise<void> {
    await this.call('PUT', `/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content);
  }

  /** The room's latest events, oldest first. */
  async messages(roomId: string, limit = 100): Promise<MatrixEvent[]> {
    const { chunk } = await this.call<{ chunk: MatrixEvent[] }>('GET', `/rooms/${enc(roomId)}/messages?dir=b&limit=${limit}`);
    return chunk.reverse();
  }

  /** `join`, `invite`, `leave`, `ban`, or null when the user never was in the room. */
  async membership(roomId: string, userId: string): Promise<string | null> {
    try {
      const ev = await this.call<{ membership: string }>('GET', `/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`);
      return ev.membership;
    } catch (err) {
      if (String(err).includes('HTTP 404')) return null;
      throw err;
    }
  }

  /** Rooms this user is invited to and has not answered. */
  async pendingInvites(): Promise<string[]> {
    const sync = await this.call<{ rooms?: { invite?: Record<string, unknown> } }>('GET', '/sync?timeout=0');
    return Object.keys(sync.rooms?.invite ?? {});
  }

  /**
   * Waits for an invite, following the sync stream (a repeated `/sync` without `since` may be
   * answered from Synapse's sync response cache and miss a new invite). Resolves with the room id.
   */
  async nextInvite(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let since = (await this.call<{ next_batch: string }>('GET', '/sync?timeout=0&filter=%7B%22room%22%3A%7B%22timeline%22%3A%7B%22limit%22%3A0%7D%7D%7D')).next_batch;
    const first = await this.pendingInvitesSince(undefined);
    if (first[0]) return first[0];
    while (Date.now() < deadline) {
      const r = await this.call<{ next_batch: string; rooms?: { invite?: Record<string, unknown> } }>('GET', `/sync?timeout=2000&since=${encodeURIComponent(since)}`);
      const invite = Object.keys(r.rooms?.invite ?? {})[0];
      if (invite) return invite;
      since = r.next_batch;
    }
    throw new Error(`${this.userId}: no invite within ${timeoutMs} ms`);
  }

  private async pendingInvitesSince(since: string | undefined): Promise<string[]> {
    const sync = await this.call<{ rooms?: { invite?: Record<string, unknown> } }>('GET', `/sync?timeout=0&full_state=true${since ? `&since=${encodeURIComponent(since)}` : ''}`);
    return Object.keys(sync.rooms?.invite ?? {});
  }

  async setPresence(presence: 'online' | 'unavailable' | 'offline'): Promise<void> {
    await this.call('PUT', `/presence/${enc(this.userId)}/status`, { presence });
  }
}

/** Polls `probe` until it yields a truthy value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const got = await probe();
      if (got) return got;
    } catch (err) {
      last = err;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
