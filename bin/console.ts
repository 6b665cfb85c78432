#!/usr/bin/env node
/** Entry of the `inference-stack` command (bundled to dist/console.cjs by bin/run.cjs). */
import { main } from './inference-stack';

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
