#!/usr/bin/env node
// bb's command line. Runs the TypeScript sources through tsx, which also loads TypeScript configs.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
