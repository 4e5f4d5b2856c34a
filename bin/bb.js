#!/usr/bin/env node
// bb's command line: runs the compiled JavaScript in dist/ (`npm run build` makes it; `npm install`,
// `npm ci`, `npm test` and `npm run demo` build it too).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('bb: dist/ has no compiled bb; run `npm run build` (or `npm ci`) in ' + new URL('..', import.meta.url).pathname);
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
