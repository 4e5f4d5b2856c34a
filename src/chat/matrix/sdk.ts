import Module, { createRequire } from 'node:module';
import type * as MatrixBotSdk from 'matrix-bot-sdk';
import { deferRequire } from '../../util/defer-require.js';
import { sdkRequest } from './http-request.js';

/**
 * matrix-bot-sdk, the parts bb uses, loaded with `require` (an ESM import of this CommonJS package
 * has Node's lexer read its 100-odd re-exported files first). Its index loads every part of the
 * SDK, and with them packages bb never runs: express and morgan (the application-service server),
 * postgres (a storage provider), sanitize-html with postcss (rich replies), html-to-text (HTML
 * messages: bb sends its own bodies). Before the SDK loads, those are deferred until something
 * uses them (src/util/defer-require.ts), and `request`, its HTTP client, is replaced by
 * src/chat/matrix/http-request.ts (through the SDK's own `setRequestFn` hook too): from 548
 * modules and 11.6 MiB of heap to about 135 and 3.8 MiB. test/unit/matrix-sdk.test.ts checks what
 * loads; the Matrix tests run it against Synapse.
 */
const DEFERRED: Record<string, 'function' | 'object'> = {
  express: 'function',
  morgan: 'function',
  postgres: 'function',
  'sanitize-html': 'function',
  'html-to-text': 'object',
};

const require = createRequire(import.meta.url);
const sdkPath = require.resolve('matrix-bot-sdk');

if (!require.cache[sdkPath]) {
  for (const [name, kind] of Object.entries(DEFERRED)) deferRequire(sdkPath, name, kind);
  // `request` itself is never loaded: the SDK's module for it gets this client as its export.
  const fromSdk = createRequire(sdkPath);
  let path: string | undefined;
  try {
    path = fromSdk.resolve('request');
  } catch {
    // not installed where the SDK looks: the SDK would fail to load, and says so
  }
  if (path && !require.cache[path]) {
    const m = new Module(path);
    m.filename = path;
    m.loaded = true;
    m.exports = sdkRequest;
    require.cache[path] = m;
  }
}

const sdk = require('matrix-bot-sdk') as typeof MatrixBotSdk;
// Also where `request` was loaded before the SDK (then the export above was not put in).
(require(createRequire(sdkPath).resolve('./request')) as { setRequestFn(fn: typeof sdkRequest): void }).setRequestFn(sdkRequest);

export const { MatrixClient, SimpleFsStorageProvider, LogService, LogLevel } = sdk;
export type MatrixClient = MatrixBotSdk.MatrixClient;
export type SimpleFsStorageProvider = MatrixBotSdk.SimpleFsStorageProvider;
