#!/usr/bin/env node
/** `npm run check` / `inference-stack check` (bin/commands/check.ts). */
import { checkCommand } from './commands/check';

process.exitCode = checkCommand(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
