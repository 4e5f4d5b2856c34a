import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { Logger } from 'pino';

// pino is CommonJS: `require` skips the lexing an ESM import does first (about half its load time).
const { pino } = createRequire(import.meta.url)('pino') as typeof Pino;

export type { Logger };

/**
 * The process logger. JSON lines on stderr by default; BB_LOG_LEVEL sets the level
 * (default `info`, `silent` in tests unless set). Child loggers carry the ids of their chain:
 * `log.child({ buildId, builder })`. Warn and error messages are fixed strings; data goes beside them.
 */
export function createLogger(name: string, opts: { level?: string; pretty?: boolean } = {}): Logger {
  const level = opts.level ?? process.env.BB_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  if (opts.pretty) {
    return pino({
      name,
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: false, ignore: 'pid,hostname' } },
    });
  }
  return pino({ name, level }, pino.destination(2));
}
