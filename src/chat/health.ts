import type { ChatService } from './service.js';

/** Each chat transport and whether it is connected (null: it cannot tell), for /healthz. */
export function chatHealth(chat: ChatService | undefined): Array<{ transport: string; connected: boolean | null }> {
  if (!chat) return [];
  return (['irc', 'matrix', 'shell'] as const).flatMap((kind) => {
    const t = chat.transport(kind) as { isConnected?: boolean } | undefined;
    return t ? [{ transport: kind, connected: typeof t.isConnected === 'boolean' ? t.isConnected : null }] : [];
  });
}
