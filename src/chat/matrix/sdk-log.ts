import type { ILogger } from 'matrix-bot-sdk';
import { LogService, LogLevel } from './sdk.js';
import type { Logger } from '../../log.js';

/**
 * matrix-bot-sdk logs through one global LogService (to the console by default). Route it into
 * bb's logger, one step quieter than the SDK: it logs every non-2xx response as an error although
 * the caller handles the thrown error, and its "info" lines are routine sync chatter.
 */
export function routeSdkLogs(log: Logger): void {
  const forward =
    (level: 'warn' | 'info' | 'debug' | 'trace') =>
    (module: string, ...parts: unknown[]): void => {
      const quiet = module === 'MatrixHttpClient' && level === 'warn' ? 'debug' : level;
      log[quiet]({ sdkModule: module, detail: parts.map(describe).join(' ') }, 'matrix-bot-sdk says');
    };
  const logger: ILogger = {
    error: forward('warn'),
    warn: forward('warn'),
    info: forward('debug'),
    debug: forward('trace'),
    trace: forward('trace'),
  };
  LogService.setLogger(logger);
  LogService.setLevel(log.isLevelEnabled('trace') ? LogLevel.TRACE : log.isLevelEnabled('debug') ? LogLevel.DEBUG : LogLevel.WARN);
}

function describe(part: unknown): string {
  if (part instanceof Error) return part.message;
  if (typeof part === 'string') return part;
  try {
    return JSON.stringify(part);
  } catch {
    return String(part);
  }
}
