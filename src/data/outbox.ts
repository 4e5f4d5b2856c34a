import type { Store } from './store.js';
import type { OutboxEntry } from './outbox-repo.js';

export type { OutboxEntry } from './outbox-repo.js';

// The same as functions of a Store (the chat code's spelling).

export const pushOutbox = (store: Store, transport: string, entry: OutboxEntry) => store.outbox.push(transport, entry);
export const peekOutbox = (store: Store, transport: string, n: number) => store.outbox.peek(transport, n);
export const popOutbox = (store: Store, transport: string) => store.outbox.pop(transport);
export const outboxLength = (store: Store, transport: string) => store.outbox.length(transport);
export const getDmRoom = (store: Store, transport: string, user: string) => store.outbox.dmRoom(transport, user);
export const setDmRoom = (store: Store, transport: string, user: string, room: string) => store.outbox.setDmRoom(transport, user, room);
export const dropDmRoom = (store: Store, transport: string, user: string) => store.outbox.dropDmRoom(transport, user);
export const assertLeading = (store: Store) => store.outbox.assertLeading();
