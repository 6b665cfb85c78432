#!/usr/bin/env node
/**
 * `npm run synth` / `inference-stack synth` (bin/commands/synth.ts); also the app cdktf runs for `cdktf synth`.
 */
import { synthCommand } from './commands/synth';

process.exitCode = synthCommand(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
