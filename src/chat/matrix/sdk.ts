import Module, { createRequire } from 'node:module';
import type * as MatrixBotSdk from 'matrix-bot-sdk';
import { sdkRequest } from './http-request.js';

/**
 * matrix-bot-sdk, the parts bb uses, loaded with `require` (an ESM import of this CommonJS package
 * has Node's lexer read its 100-odd re-exported files first). Its index loads every part of the
 * SDK, and with them packages bb never runs: express and morgan (the application-service server),
 * postgres (a storage provider), sanitize-html with postcss (rich replies), html-to-text (HTML
 * messages: bb sends its own bodies). Before the SDK loads, those are replaced, for the SDK only,
 * by stand-ins that throw when used, and `request`, its HTTP client, by src/chat/matrix/http-request.ts
 * (through the SDK's own `setRequestFn` hook too): from 548 modules and 11.6 MiB of heap to about
 * 150 and 4.5 MiB. test/unit/matrix-sdk.test.ts checks what loads; the Matrix tests run it on Synapse.
 */
const UNUSED: Record<string, string> = {
  express: "matrix-bot-sdk's application-service server",
  morgan: "matrix-bot-sdk's application-service server",
  postgres: "matrix-bot-sdk's Postgres storage provider",
  'sanitize-html': "matrix-bot-sdk's rich replies",
  'html-to-text': "matrix-bot-sdk's HTML messages (sendHtmlText, sendHtmlNotice)",
};

const require = createRequire(import.meta.url);
const sdkPath = require.resolve('matrix-bot-sdk');

/** A module's exports that throw a clear error when anything uses them. */
function standIn(name: string, part: string): unknown {
  const fail = (): never => {
    throw new Error(`${name} is not loaded in bb: it serves ${part}, which bb does not use (src/chat/matrix/sdk.ts)`);
  };
  return new Proxy(fail, {
    apply: fail,
    construct: fail,
    // Reading whether it is an ES module (TypeScript's interop helpers do at load) is not using it.
    get: (_t, key) => (key === '__esModule' || typeof key === 'symbol' ? undefined : fail()),
  });
}

/** Puts `exports` in the require cache as the module `name` resolves to from the SDK, unless it is loaded already. */
function preload(fromSdk: NodeJS.Require, name: string, exports: unknown): void {
  let path: string;
  try {
    path = fromSdk.resolve(name);
  } catch {
    return; // not installed where the SDK looks: nothing to replace
  }
  if (require.cache[path]) return; // something else loaded the real one: leave it
  const m = new Module(path);
  m.filename = path;
  m.loaded = true;
  m.exports = exports;
  require.cache[path] = m;
}

if (!require.cache[sdkPath]) {
  const fromSdk = createRequire(sdkPath);
  for (const [name, part] of Object.entries(UNUSED)) preload(fromSdk, name, standIn(name, part));
  preload(fromSdk, 'request', sdkRequest);
}

const sdk = require('matrix-bot-sdk') as typeof MatrixBotSdk;
// Also where `request` was loaded before (then the stand-in above was not put in).
(require(createRequire(sdkPath).resolve('./request')) as { setRequestFn(fn: typeof sdkRequest): void }).setRequestFn(sdkRequest);

export const { MatrixClient, SimpleFsStorageProvider, LogService, LogLevel } = sdk;
export type MatrixClient = MatrixBotSdk.MatrixClient;
export type SimpleFsStorageProvider = MatrixBotSdk.SimpleFsStorageProvider;
