#!/usr/bin/env node
// The `inference-stack` command (package.json "bin"). `synth` and `check` run their own entries (bin/synth.ts,
// bin/check.ts); every other command runs the console (bin/console.ts). From a checkout: the esbuild bundle in dist/;
// installed: the compiled dist/bin/*.js (see bin/run.cjs).
'use strict';
const { bundle } = require('./run.cjs');

const OWN_ENTRY = new Set(['synth', 'check']);
const first = process.argv[2];
const command = OWN_ENTRY.has(first) ? first : 'console';
const args = process.argv.slice(command === 'console' ? 2 : 3);
const out = bundle(command);
process.argv = [process.argv[0], out, ...args];
require(out);
