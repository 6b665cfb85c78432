#!/usr/bin/env node
// The `inference-stack` command (package.json "bin"): the console, from its prebuilt bundle.
'use strict';
const { bundle } = require('./run.cjs');

const out = bundle('console');
process.argv = [process.argv[0], out, ...process.argv.slice(2)];
require(out);
