import type { ChatService } from './service.js';

/** One chat transport as /healthz and /metrics see it. */
export interface TransportHealth {
  transport: 'irc' | 'matrix' | 'shell';
  /** Connected to its network now; null only for a transport that cannot tell. */
  connected: boolean | null;
  /** Lines said since the transport was made, and waiting in its own send queue now. */
  lines?: { sent: number; queued: number };
}

/** Each chat transport, whether it is connected and the lines it said and holds, for /healthz and /metrics. */
export function chatHealth(chat: ChatService | undefined): TransportHealth[] {
  if (!chat) return [];
  return (['irc', 'matrix', 'shell'] as const).flatMap((kind) => {
    const t = chat.transport(kind);
    if (!t) return [];
    const lines = t.lines?.();
    return [{ transport: kind, connected: typeof t.isConnected === 'boolean' ? t.isConnected : null, ...(lines ? { lines } : {}) }];
  });
}
