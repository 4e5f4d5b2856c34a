import type { TransportKind } from './transport.js';

const KINDS: readonly TransportKind[] = ['irc', 'matrix', 'shell'];

/** An outbox target split into its transport and the channel or room on it. */
export interface ParsedTarget {
  transport: TransportKind;
  where: string;
}

/** `irc:#dev` → `{ transport: 'irc', where: '#dev' }`; throws on anything else. */
export function parseTarget(target: string): ParsedTarget {
  const colon = target.indexOf(':');
  const kind = target.slice(0, colon) as TransportKind;
  const where = target.slice(colon + 1);
  if (colon < 0 || !KINDS.includes(kind) || !where) {
    throw new Error(`chat target ${JSON.stringify(target)} is not irc:#channel, matrix:!room:server or shell:#channel`);
  }
  return { transport: kind, where };
}

/** `irc:#dev`; IRC channel names are case-insensitive, so they are written in lower case. */
export function formatTarget(transport: TransportKind, where: string): string {
  return `${transport}:${transport === 'irc' ? where.toLowerCase() : where}`;
}
