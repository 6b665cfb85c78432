#!/usr/bin/env node
// The `inference-stack` command: runs the TypeScript CLI with tsx (which also loads the ESM-only packages).
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const r = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'inference-stack.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
