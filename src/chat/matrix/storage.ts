import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IFilterInfo, IStorageProvider } from 'matrix-bot-sdk';
import { SimpleFsStorageProvider } from './sdk.js';

const TOKEN_KEY = 'bb.accessToken';

/**
 * The SDK's JSON-file storage (sync token, filter), plus the token of a password login, with a
 * switch that drops every write once the transport has stopped. The SDK's sync loop cannot be
 * cancelled mid-request; without the switch, a stopped client whose last long-poll returns late
 * would save a sync token over the one a restarted transport is using, and events would be lost.
 */
export class TransportStorage implements IStorageProvider {
  private readonly inner: SimpleFsStorageProvider;
  private closed = false;
  /** Called after each sync batch is processed (the client saves the token after processing). */
  onSyncBatchDone?: () => void;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    const fresh = !existsSync(file);
    this.inner = new SimpleFsStorageProvider(file);
    // It may hold an access token: readable by its owner only.
    if (fresh && existsSync(file)) chmodSync(file, 0o600);
  }

  /** Ignore all writes from now on. */
  close(): void {
    this.closed = true;
  }

  get savedAccessToken(): string | null {
    return this.inner.readValue(TOKEN_KEY) || null;
  }

  saveAccessToken(token: string | null): void {
    if (!this.closed) this.inner.storeValue(TOKEN_KEY, token ?? '');
  }

  setSyncToken(token: string | null): void {
    if (this.closed) return;
    this.inner.setSyncToken(token);
    if (token !== null) this.onSyncBatchDone?.();
  }

  getSyncToken(): string | null {
    return this.inner.getSyncToken();
  }

  setFilter(filter: IFilterInfo): void {
    if (!this.closed) this.inner.setFilter(filter);
  }

  getFilter(): IFilterInfo {
    return this.inner.getFilter();
  }

  storeValue(key: string, value: string): void {
    if (!this.closed) this.inner.storeValue(key, value);
  }

  readValue(key: string): string | null | undefined {
    return this.inner.readValue(key);
  }
}
